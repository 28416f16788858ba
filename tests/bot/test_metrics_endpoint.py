"""`/metrics` of a running `paperbot run`: the named series appear, and move as the bot works."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import aiohttp

from adapters.http.server import HttpServer
from bot.app import App, paper_command, terminal_handler
from bot.cli_metrics import describe, timed_commands
from bot.health import HealthRegistry
from bot.metrics import MetricsRegistry
from bot.models import Destination, Platform
from tests.support.cli import REPO_ROOT

CONFIG = """
[[destinations]]
platform = "console"
workspace = "local"
channel = "lab"
schedule = "* * * * * *"
backfill = "all"
"""
NEW_DAY = "2024-10-01\nA paper added while the bot runs\n코멘트\n#new\n"


def samples(text: str) -> dict[str, float]:
    """`name{labels}` -> value, from Prometheus text."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            found[series] = float(value)
    return found


async def _scrape(port: int) -> dict[str, float]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        return samples(await response.text())


async def _scrape_until(
    port: int, series: str, wanted: float, limit: float = 60
) -> dict[str, float]:
    """Scrape until `series` reaches `wanted` (the bot works in its own time)."""
    async with asyncio.timeout(limit):
        while True:
            found = await _scrape(port)
            if found.get(series, 0) >= wanted:
                return found
            await asyncio.sleep(0.2)  # polling the bot, not timing it


async def _announced_port(log: Path, limit: float = 60) -> int:
    async with asyncio.timeout(limit):
        while True:
            if found := re.search(
                r"health and metrics on http://127\.0\.0\.1:(\d+)/", log.read_text()
            ):
                return int(found.group(1))
            await asyncio.sleep(0.05)


async def test_metrics_show_what_the_bot_did(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    config = tmp_path / "paperbot.toml"
    config.write_text(CONFIG, encoding="utf-8")
    log, out = tmp_path / "bot.log", tmp_path / "bot.out"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with open(log, "wb") as stderr, open(out, "wb") as stdout:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--notes-dir", str(corpus), "--config", str(config),
            "--database-url", database_url, "--http", "127.0.0.1:0", "--ingest-every", "0.1", "-v",
            cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=stdout, stderr=stderr,
        )  # fmt: skip
    try:
        port = await _announced_port(log)
        first = await _scrape_until(port, 'paperbot_digest_runs{status="sent"}', 1)
        python = sys.version.split()[0]
        assert first[f'paperbot_build_info{{python="{python}",version="0.1.0"}}'] == 1
        assert first['paperbot_notes{state="active"}'] == 41
        assert first['paperbot_notes{state="retracted"}'] == 0
        assert first['paperbot_notes_ingested_total{change="added"}'] == 41
        assert first['paperbot_ingest_files_total{outcome="read"}'] == 5
        assert first["paperbot_scheduler_leader"] == 1
        posted = 'paperbot_messages_total{action="post",outcome="sent",platform="console"}'
        assert first[posted] >= 1
        timed = 'paperbot_send_seconds_count{action="post",platform="console"}'
        assert first[timed] == first[posted]
        assert first['paperbot_digest_messages{platform="console",status="sent"}'] >= 1

        (corpus / "2024-10-01.txt").write_text(NEW_DAY, encoding="utf-8")
        later = await _scrape_until(port, 'paperbot_notes_ingested_total{change="added"}', 42)
        assert later['paperbot_notes{state="active"}'] == 42
        later = await _scrape_until(port, 'paperbot_digest_runs{status="sent"}', 2)  # delivered
        assert later[posted] > first[posted]
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-2000:]


async def test_commands_are_counted_and_timed_by_reply(app: App) -> None:
    metrics = MetricsRegistry()
    describe(metrics)
    terminal = Destination(Platform.CONSOLE, "local", "terminal")
    handle = timed_commands(
        terminal_handler(paper_command(app), terminal, "me"), metrics, "console"
    )
    server = HttpServer(HealthRegistry(), metrics)
    port = await server.start("127.0.0.1", 0)
    try:
        await handle("tags")
        await handle("tag:")
        first = await _scrape(port)
        await handle("tags")
        later = await _scrape(port)
    finally:
        await server.stop()
    tags, error = '{platform="console",reply="tags"}', '{platform="console",reply="error"}'
    assert first[f"paperbot_commands_total{tags}"] == 1
    assert first[f"paperbot_commands_total{error}"] == 1
    assert later[f"paperbot_commands_total{tags}"] == 2
    assert later[f"paperbot_command_seconds_count{tags}"] == 2
    assert later[f"paperbot_command_seconds_sum{tags}"] > 0
