"""The command line, run as a user would: a subprocess on a real database."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.store.migrate import script_heads
from tests.support.cli import REPO_ROOT, run_cli


async def test_ingest_export_and_upgrade(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    upgraded = await run_cli("db", "upgrade", "--database-url", database_url)
    assert upgraded.code == 0, upgraded.err
    first = await run_cli("ingest", str(seeds_dir), "--database-url", database_url)
    assert first.code == 0, first.err
    assert "added 41, updated 0, unchanged 0, retracted 0, skipped 0 files" in first.out
    again = await run_cli("ingest", str(seeds_dir), env={"DATABASE_URL": database_url})
    assert "added 0, updated 0, unchanged 41, retracted 0" in again.out
    exported = await run_cli("export", "--database-url", database_url)
    rows = [json.loads(line) for line in exported.out.splitlines()]
    assert len(rows) == 41
    assert rows[0]["date"] == "2024-01-23" and rows[-1]["date"] == "2024-09-20"
    assert list(rows[0]) == [
        "id", "date", "title", "authors", "abstract", "commentary", "links", "tags", "retracted"
    ]  # fmt: skip


async def test_ingest_reports_skipped_files_and_exits_1(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    (corpus / "broken.txt").write_text("2024년 2월 30일\nT\n#x\n", encoding="utf-8")
    result = await run_cli("ingest", str(corpus), "--database-url", database_url)
    assert result.code == 1
    assert f"SKIPPED {corpus / 'broken.txt'}:1: 2024년 2월 30일 is not a real calendar date" in (
        result.out
    )
    assert "added 41" in result.out and "skipped 1 files" in result.out
    missing = await run_cli("ingest", str(tmp_path / "nope"), "--database-url", database_url)
    assert missing.code == 1
    assert missing.out.count(str(tmp_path / "nope")) == 1  # reported once
    assert "No such file or directory" in missing.out


async def test_ingest_defaults_to_the_notes_dir_setting(database_url: str, tmp_path: Path) -> None:
    notes = tmp_path / "team-notes"
    notes.mkdir()
    (notes / "a.txt").write_text("2024-05-01\nOnly paper\n코멘트\n#x\n", encoding="utf-8")
    env = {"PAPERBOT_NOTES_DIR": str(notes), "DATABASE_URL": database_url}
    result = await run_cli("ingest", env=env)
    assert result.code == 0 and "added 1," in result.out


async def test_last_entry_without_tags_is_reported_as_a_warning(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "cut.txt"
    path.write_text("2024-05-01\nA\n#a\nB\n코멘트", encoding="utf-8")
    result = await run_cli("ingest", str(path), "--database-url", database_url)
    assert result.code == 0
    assert f"warning {path}:4: last note 'B' has no hashtag line" in result.out


async def test_run_shows_the_newest_day(database_url: str, seeds_dir: Path) -> None:
    result = await run_cli(
        "run", "--once", "--notes-dir", str(seeds_dir), "--database-url", database_url
    )
    assert result.code == 0, result.err
    assert "2024-09-20" in result.out
    assert "Training Language Models to Self-Correct via Reinforcement Learning" in result.out


async def test_sqlite_file_and_its_folders_are_created_on_first_use(
    tmp_path: Path, seeds_dir: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'sub' / 'db.sqlite3'}"
    result = await run_cli("ingest", str(seeds_dir), "--database-url", url)
    assert result.code == 0
    assert (tmp_path / "fresh" / "sub" / "db.sqlite3").exists()


async def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = await run_cli("export", "--database-url", "mysql://u:secret@h/db")
    assert result.code == 2
    assert "DATABASE_URL: unsupported database 'mysql'" in result.err
    assert "secret" not in result.err


async def test_two_concurrent_ingests_store_each_note_once(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """Several processes (replicas, a cron ingest) migrate and ingest one corpus at once."""
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    results = await asyncio.gather(
        *(run_cli("ingest", str(corpus), "--database-url", database_url) for _ in range(5))
    )
    assert [r.code for r in results] == [0] * 5, [r.out + r.err for r in results]
    exported = await run_cli("export", "--database-url", database_url)
    rows = [json.loads(line) for line in exported.out.splitlines()]
    assert len(rows) == 41 and not any(r["retracted"] for r in rows)


_LOADED = """
import json, sys
from bot.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("aiohttp", "apscheduler", "alembic", "sqlalchemy", "discord", "slack_sdk")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""


async def _modules_loaded_by(*args: str) -> list[str]:
    """The heavy packages one real `paperbot ARGS` imported (stdout's last line)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _LOADED, *args,
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    loaded: list[str] = json.loads(out.decode().splitlines()[-1])
    return loaded


async def test_version_and_help_import_no_database_web_or_scheduler_code() -> None:
    assert await _modules_loaded_by("--version") == []
    assert await _modules_loaded_by("--help") == []


async def test_search_imports_no_web_server_or_scheduler(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    loaded = await _modules_loaded_by("search", "tag:rlhf", "--database-url", url)
    assert "sqlalchemy" in loaded  # it did search
    assert not {"aiohttp", "apscheduler", "discord", "slack_sdk"} & set(loaded)


async def test_commands_behave_the_same_from_any_directory(
    database_url: str, tmp_path: Path
) -> None:
    """Defaults (notes folder, config, templates, locales) come from the installation, never
    from the working directory; nothing is written where the command is typed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"DATABASE_URL": database_url}
    ingested = await run_cli("ingest", env=env, cwd=elsewhere)
    assert ingested.code == 0, ingested.err
    assert "added 41, updated 0" in ingested.out
    renders = (["render", "--platform", "console"], ["render", "--platform", "discord", "--json"])
    for args in renders:
        here, there = await run_cli(*args, env=env), await run_cli(*args, env=env, cwd=elsewhere)
        assert there.code == 0, there.err
        assert (here.out, here.err) == (there.out, there.err)
    shown = await run_cli("run", "--once", "--http", "off", env=env, cwd=elsewhere)
    assert shown.code == 0, shown.err
    assert "Training Language Models to Self-Correct via Reinforcement Learning" in shown.out
    assert list(elsewhere.iterdir()) == []


async def test_a_missing_notes_folder_names_the_setting(tmp_path: Path) -> None:
    env = {"PAPERBOT_NOTES_DIR": str(tmp_path / "nope")}
    result = await run_cli("ingest", "--database-url", f"sqlite:///{tmp_path / 'db'}", env=env)
    assert result.code == 2
    assert f"PAPERBOT_NOTES_DIR: the notes folder {tmp_path / 'nope'} does not exist" in result.err


async def test_outside_a_checkout_defaults_live_in_the_users_data_folder(tmp_path: Path) -> None:
    """An installed package has no pyproject.toml beside it: a copy of `bot` shows the rule."""
    installed = tmp_path / "site-packages"
    shutil.copytree(REPO_ROOT / "bot", installed / "bot")
    code = (
        "from bot.settings import Settings; s = Settings.from_env(); "
        "print(s.database_url); print(s.notes_dir); print(s.config_path)"
    )
    env = {"PYTHONPATH": str(installed), "XDG_DATA_HOME": str(tmp_path / "xdg"), "PATH": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(installed)!r}); {code}",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    home = tmp_path / "xdg" / "paperbot"
    assert out.decode().splitlines() == [
        f"sqlite:///{home / 'data' / 'paperbot.sqlite3'}",
        str(home / "seeds"),
        str(home / "config" / "paperbot.toml"),
    ]


def _ingest_on_a_terminal(folder: Path, database_url: str) -> str:
    """`paperbot ingest FOLDER` with its standard output on a pseudo-terminal (standard error a
    pipe, as in `paperbot ingest 2>log`): what the terminal showed."""
    import os
    import pty
    import subprocess

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"COLUMNS": "100"}
    command = [sys.executable, "-m", "bot", "ingest", str(folder), "--database-url", database_url]
    with subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE, env=env) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes with the process
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=60) == 0
    os.close(leader)
    return shown.decode(errors="replace")


async def test_a_progress_bar_on_a_terminal_for_many_files_only(
    database_url: str, tmp_path: Path
) -> None:
    """README, Commands: `ingest` shows a progress bar on a terminal for many files (20 or
    more), never for a few and never in a pipe or a file, where the results stay plain lines."""
    many, few = tmp_path / "many", tmp_path / "few"
    for folder, count in ((many, 25), (few, 3)):
        folder.mkdir()
        for day in range(1, count + 1):
            (folder / f"{day}.txt").write_text(f"2024-01-{day:02}\nPaper {day}\n#t\n", "utf-8")
    assert "ingesting" in await asyncio.to_thread(_ingest_on_a_terminal, many, database_url)
    assert "ingesting" not in await asyncio.to_thread(_ingest_on_a_terminal, few, database_url)
    piped = await run_cli("ingest", str(many), "--database-url", database_url)
    assert "ingesting" not in piped.out + piped.err and "unchanged 25" in piped.out


@pytest.mark.parametrize(
    "command",
    [
        ["ingest"],
        ["export"],
        ["search", "tag:rlhf"],
        ["render"],
        ["deliveries"],
        ["db", "upgrade"],
    ],
)
async def test_every_command_that_opens_the_database_brings_it_to_the_schema(
    command: list[str], tmp_path: Path, seeds_dir: Path
) -> None:
    """README, Commands: no `paperbot db upgrade` first; `config check` only names the file."""
    database = tmp_path / "fresh.sqlite3"
    env = {"PAPERBOT_NOTES_DIR": str(seeds_dir)}
    result = await run_cli(*command, "--database-url", f"sqlite:///{database}", env=env)
    assert result.code == 0, result.err
    with sqlite3.connect(database) as connection:
        found = {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}
    assert found == set(script_heads())


async def test_config_check_only_names_the_database(tmp_path: Path) -> None:
    checked = tmp_path / "checked.sqlite3"
    result = await run_cli("config", "check", "--database-url", f"sqlite:///{checked}")
    assert result.code == 0 and str(checked) in result.out
    assert not checked.exists()
