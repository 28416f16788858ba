"""`/paper` at the terminal prompt runs the real command core and search on the real database."""

from __future__ import annotations

import io
from pathlib import Path

from adapters.console import ConsoleChannel
from bot.app import App, paper_command, terminal_handler
from bot.cli_run import TERMINAL
from bot.ingest.importer import ingest_paths
from formatters.console_text import ConsoleRenderer


async def test_prompt_lines_are_answered_by_search(app: App, seeds_dir: Path) -> None:
    await ingest_paths([seeds_dir], app.notes, app.clock)
    out = io.StringIO()
    handler = terminal_handler(paper_command(app), TERMINAL, "tester", locale="en")
    channel = ConsoleChannel(ConsoleRenderer(), handler=handler, out=out)
    await channel.answer("/paper 가중치 평균")
    await channel.answer("/paper tag:rlhf since:2024-13")
    await channel.answer("/paper id:2024-02-29-llama-3")
    text = out.getvalue()
    assert "WARM: On the Benefits of Weight Averaged Reward Models" in text
    assert "since:2024-13" in text  # the error names what was wrong
    assert "The Information에서 Llama 3가" in text  # one note in full
