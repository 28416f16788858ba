"""`paperbot search` end to end through the real CLI entry point."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.app import open_app, paper_command, renderer_for
from bot.cli import main
from bot.commands.request import CommandRequest
from bot.models import Platform


def _ingest(database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--database-url", database_url, str(seeds_dir)]) == 0
    capsys.readouterr()


def test_json_results_in_rank_order(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    code = main(["search", "--database-url", database_url, "--json", "--limit", "3", "rlhf"])
    assert code == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 3
    assert {"id", "date", "title", "tags", "score"} <= set(results[0])
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_readable_list(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    assert main(["search", "--database-url", database_url, "가중치", "평균"]) == 0
    out = capsys.readouterr().out
    assert "WARM: On the Benefits of Weight Averaged Reward Models" in out
    assert out.startswith("1 note for '가중치 평균', best first (page 1/1)\n")


def test_bad_query_exits_2_with_examples(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "--database-url", database_url, "since:2024-13"]) == 2
    err = capsys.readouterr().err
    assert "since:2024-13" in err and "tag:rlhf" in err


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "ten", "²", "５"])  # ² isdigit, ５ int()
def test_bad_limit_is_refused(
    database_url: str, capsys: pytest.CaptureFixture[str], limit: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["search", "--database-url", database_url, "--limit", limit, "x"])
    assert exited.value.code == 2
    assert f"--limit must be 1 to 1000, got {limit!r}" in capsys.readouterr().err


def test_reindex_after_a_glossary_edit(
    database_url: str, seeds_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    glossary = tmp_path / "glossary.toml"
    glossary.write_text('[[synonyms]]\nterms = ["pipeline bubble", "파이프라인 거품"]\n', "utf-8")
    common = ["--database-url", database_url, "--glossary", str(glossary)]

    def found() -> list[str]:
        assert main(["search", *common, "--json", "파이프라인 거품"]) == 0
        return [r["id"] for r in json.loads(capsys.readouterr().out)]

    before = found()  # the group is new: its members are expanded at query time
    assert main(["search", *common, "--reindex"]) == 0
    assert "re-indexed 41 notes" in capsys.readouterr().out
    assert found() == before
    assert before[0] == "2024-01-23-zero-bubble-pipeline-parallelism"


def test_the_glossary_option_overrides_the_variable(
    database_url: str,
    seeds_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """README, Configuration: a command-line option (`search --glossary`) overrides the
    variable it corresponds to (`PAPERBOT_GLOSSARY`)."""
    _ingest(database_url, seeds_dir, capsys)
    missing = tmp_path / "nowhere.toml"
    monkeypatch.setenv("PAPERBOT_GLOSSARY", str(missing))
    assert main(["search", "--database-url", database_url, "파이프라인 거품"]) == 2
    assert f"{missing}: cannot read the glossary" in capsys.readouterr().err
    glossary = tmp_path / "glossary.toml"
    glossary.write_text('[[synonyms]]\nterms = ["pipeline bubble", "파이프라인 거품"]\n', "utf-8")
    given = ["--database-url", database_url, "--glossary", str(glossary), "--json"]
    assert main(["search", *given, "파이프라인 거품"]) == 0
    found = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert found[0] == "2024-01-23-zero-bubble-pipeline-parallelism"


def test_search_without_query_is_an_error(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "--database-url", database_url]) == 2
    assert "needs a QUERY" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["-tag:rlhf", "--json"],
        ["--json", "-tag:rlhf"],
        ["--json", "-#rlhf"],
    ],
)
def test_a_query_may_start_with_a_dash(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    assert main(["search", "--database-url", database_url, "--limit", "100", *argv]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 41 - 3 and all("rlhf" not in r["tags"] for r in results)


def test_dashed_words_keep_their_place_in_the_query(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    argv = ["search", "--database-url", database_url, "tag:alignment", "-tag:rlhf", "--limit", "1"]
    assert main(argv) == 0
    assert "more: paperbot search 'tag:alignment -tag:rlhf page:2'" in capsys.readouterr().out


def test_an_unknown_long_option_is_still_an_error(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--database-url", database_url, "--jsn", "rlhf"])
    assert "--jsn" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["", "  "])
def test_an_empty_query_shows_the_help_the_chat_shows(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    assert main(["search", "--database-url", database_url, text]) == 0
    printed = capsys.readouterr().out

    async def chat() -> str:
        async with open_app(database_url) as app:
            request = CommandRequest(Platform.CONSOLE, "local", "terminal", "me", text, "ko")
            reply = await paper_command(app).handle(request)
        return renderer_for(Platform.CONSOLE).render_reply(reply).plain

    assert printed == asyncio.run(chat()) + "\n"
    assert "-tag:survey" in printed


@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_a_page_past_the_end_names_the_query_and_its_last_page(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str], as_json: list[str]
) -> None:
    """As in the chat: not an empty page, but the query as typed and the command for its last
    page (3 notes tagged rlhf fill 2 pages of 2)."""
    _ingest(database_url, seeds_dir, capsys)
    argv = ["search", "--database-url", database_url, "--limit", "2", *as_json, "tag:rlhf page:9"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "'tag:rlhf page:9' has no page 9: 3 notes on 2 pages of 2" in err
    assert "paperbot search 'tag:rlhf page:2'" in err


def test_json_records_hold_exactly_the_documented_fields(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, Commands: `--json` gives `id, date, title, authors, tags, score`."""
    _ingest(database_url, seeds_dir, capsys)
    assert main(["search", "--database-url", database_url, "--json", "author:arora"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert set(record) == {"id", "date", "title", "authors", "tags", "score"}
    assert "Sanjeev Arora" in record["authors"]


def test_one_note_in_full_or_exit_1_for_an_unknown_id(
    database_url: str, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(database_url, seeds_dir, capsys)
    key = "2024-01-23-zero-bubble-pipeline-parallelism"
    assert main(["search", "--database-url", database_url, f"id:{key}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Zero Bubble Pipeline Parallelism") and f"id:{key}" in out
    assert "Pipeline parallelism is one of the key components" in out  # the abstract, whole
    assert main(["search", "--database-url", database_url, "--json", f"id:{key}"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert list(record) == [
        "id", "date", "title", "authors", "abstract", "commentary", "links", "tags", "retracted",
        "score",
    ]  # fmt: skip
    assert main(["search", "--database-url", database_url, "id:2024-01-23-nope"]) == 1
    assert "no entry has id 2024-01-23-nope" in capsys.readouterr().err
