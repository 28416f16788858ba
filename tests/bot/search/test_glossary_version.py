"""The glossary is found from any directory, and an index remembers which glossary built it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.search.glossary import GLOSSARY_ENV, load_glossary
from bot.store.engine import make_engine
from tests.support.databases import run_in_thread


def _paperbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` run from `cwd`, with no glossary named in the environment."""
    env = {k: v for k, v in os.environ.items() if k not in (GLOSSARY_ENV, "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _recorded_version(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT value FROM search_index_info WHERE name = 'glossary_version'")
            )
    finally:
        await engine.dispose()
    return None if found is None else str(found)


async def test_commands_use_the_shipped_glossary_from_any_directory(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """Outside the repository, ingest indexes with the shipped glossary and search reads with
    the same one (it used to fail: `config/glossary.toml: cannot read the glossary`)."""
    ingest = _paperbot("ingest", "--database-url", database_url, str(seeds_dir), cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    shipped = load_glossary(Path(__file__).parents[3] / "bot" / "search" / "glossary.toml")
    assert await _recorded_version(database_url) == shipped.index_version
    search = _paperbot(
        "search", "--database-url", database_url, "--json", "파이프라인 병렬", cwd=tmp_path
    )
    assert search.returncode == 0, search.stderr
    assert "glossary" not in search.stderr
    # Only the glossary says `파이프라인 병렬` is "pipeline parallelism" in this English title.
    ids = [r["id"] for r in json.loads(search.stdout)]
    assert "2024-01-23-zero-bubble-pipeline-parallelism" in ids


def test_an_index_built_with_another_glossary_says_so_until_reindexed(
    database_url: str,
    seeds_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ingest", "--database-url", database_url, str(seeds_dir)]) == 0
    other = tmp_path / "team.toml"
    other.write_text('[[synonyms]]\nterms = ["pipeline bubble", "파이프라인 거품"]\n', "utf-8")
    with_other = ["search", "--database-url", database_url, "--glossary", str(other)]
    capsys.readouterr()

    assert main([*with_other, "bubble"]) == 0
    err = capsys.readouterr().err
    assert "built with another glossary" in err and "paperbot search --reindex" in err
    # `main` owns the log handlers (one JSON object a line on a non-terminal stderr): the warning
    # is one of those lines, beside the sentence for the person.
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(
        entry["level"] == "warning" and "another glossary" in entry["message"] for entry in logged
    )

    assert main([*with_other, "--reindex"]) == 0
    out, err = capsys.readouterr()
    assert load_glossary(other).index_version in out
    assert "another glossary" not in err and "--reindex" not in err  # it is the re-index
    assert run_in_thread(_recorded_version(database_url)) == load_glossary(other).index_version
    assert main([*with_other, "bubble"]) == 0
    assert "another glossary" not in capsys.readouterr().err
    # The default glossary now differs from the index's: said so, the other way round.
    assert main(["search", "--database-url", database_url, "bubble"]) == 0
    assert "paperbot search --reindex" in capsys.readouterr().err


def test_a_teams_glossary_replaces_the_shipped_one(
    database_url: str,
    seeds_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`$PAPERBOT_GLOSSARY` names the whole glossary: its groups join the languages, and the
    shipped groups (`희소 오토인코더` = "sparse autoencoder") no longer do."""
    assert main(["ingest", "--database-url", database_url, str(seeds_dir)]) == 0
    capsys.readouterr()
    team = tmp_path / "team.toml"
    team.write_text('[[synonyms]]\nterms = ["pipeline bubble", "파이프라인 거품"]\n', "utf-8")

    def found(query: str) -> list[str]:
        assert main(["search", "--database-url", database_url, "--json", query]) == 0
        return [r["id"] for r in json.loads(capsys.readouterr().out)]

    monkeypatch.delenv(GLOSSARY_ENV, raising=False)
    sae = "2024-06-10-scaling-and-evaluating-sparse-autoencoders"
    assert found("희소 오토인코더") == [sae]
    monkeypatch.setenv(GLOSSARY_ENV, str(team))
    assert main(["search", "--database-url", database_url, "--reindex"]) == 0
    assert load_glossary(team).index_version in capsys.readouterr().out
    assert found("희소 오토인코더") == []
    assert found("파이프라인 거품") == ["2024-01-23-zero-bubble-pipeline-parallelism"]
