"""`paperbot render` and `paperbot run` end to end: database in, the renderers' payloads out."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.golden import GOLDEN_DIR


@pytest.fixture(autouse=True)
def _seeds(monkeypatch: pytest.MonkeyPatch, seeds_dir: Path) -> None:
    monkeypatch.setenv("PAPERBOT_NOTES_DIR", str(seeds_dir))
    monkeypatch.delenv("PAPERBOT_TEMPLATES_DIR", raising=False)


async def _paperbot(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_render_json_of_the_newest_day_seeds_an_empty_database(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        await _paperbot("render", "--platform", "slack", "--json", "--database-url", database_url)
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    golden = json.loads((GOLDEN_DIR / "slack" / "2024-09-20.thread.json").read_text())
    assert printed == golden
    assert printed[1]["thread"] is True and "text" in printed[0] and "blocks" in printed[0]


async def test_render_a_chosen_day_and_layout_on_discord(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["render", "--platform", "discord", "--date", "2024-01-23", "--layout", "inline"]
    assert await _paperbot(*argv, "--json", "--database-url", database_url) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((GOLDEN_DIR / "discord" / "2024-01-23.inline.json").read_text())
    assert all(p["allowed_mentions"] == {"parse": []} for p in printed)


async def test_render_a_day_without_notes_fails(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _paperbot("render", "--date", "2020-01-01", "--database-url", database_url) == 1
    assert "no notes for 2020-01-01" in capsys.readouterr().err


async def test_render_console_prints_the_digest_text(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _paperbot("render", "--date", "2024-03-14", "--database-url", database_url) == 0
    out = capsys.readouterr().out
    assert out.startswith("📚 논문 노트 · 2024-03-14 · 6편")
    assert "  │  1. Scaling Instructable Agents Across Many Simulated Worlds" in out


async def test_the_readmes_terminal_example_opens_with_what_render_prints(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, Formatting: docs/terminal-channel.txt opens with the 2024-09-20 digest."""
    assert await _paperbot("render", "--date", "2024-09-20", "--database-url", database_url) == 0
    printed = capsys.readouterr().out
    example = (Path(__file__).resolve().parents[2] / "docs" / "terminal-channel.txt").read_text()
    assert printed.count("\n") > 100 and example.startswith(printed)


async def test_render_in_english(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", "--date", "2024-03-14", "--locale", "en", "--database-url", database_url]
    assert await _paperbot(*argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("📚 Paper notes · 2024-03-14 · 6 papers")
    assert "논문" not in out


async def test_run_shows_the_newest_day_on_the_terminal_channel(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _paperbot("run", "--once", "--database-url", database_url) == 0
    out = capsys.readouterr().out
    assert "2024-09-20 · 8편" in out
    assert "id: 2024-09-20-don-t-teach-incentivize" in out
