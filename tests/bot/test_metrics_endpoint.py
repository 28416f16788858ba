"""`/metrics` of a running `paperbot run`: the named series appear, and move as the bot works."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
from pathlib import Path

from adapters.http.prometheus import PrometheusMetrics
from adapters.http.server import HttpServer
from bot.app import App, paper_command, terminal_handler
from bot.health import HealthRegistry
from bot.models import Destination, Platform
from tests.support.cli import REPO_ROOT
from tests.support.scrape import Scrape, scrape, scrape_until

CONFIG = """
[[destinations]]
platform = "console"
workspace = "local"
channel = "lab"
schedule = "* * * * * *"
backfill = "all"
"""
NEW_DAY = "2024-10-01\nA paper added while the bot runs\n코멘트\n#new\n"


async def _scrape_until(
    port: int, wanted: float, series: str, limit: float = 60, **labels: str
) -> Scrape:
    """Scrape until `series{labels}` reaches `wanted`."""
    return await scrape_until(port, lambda found: found.value(series, **labels) >= wanted, limit)


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
        console = {"platform": "console"}
        # the run is counted once it has closed in the ledger: wait for the counter
        first = await _scrape_until(
            port, 1, "paperbot_digest_runs_total", outcome="sent", **console
        )
        python = sys.version.split()[0]
        assert first.value("paperbot_build_info", python=python, version="0.1.0") == 1
        assert first.value("paperbot_notes", state="active") == 41
        assert first.value("paperbot_notes", state="retracted") == 0
        assert first.value("paperbot_notes_ingested_total", change="added") == 41
        assert first.value("paperbot_ingest_files_total", outcome="read") == 5
        assert first.value("paperbot_ingest_seconds_count", trigger="start") == 1
        assert first.value("paperbot_scheduler_leader") == 1
        # the wired process's heap was frozen before serving (bot.app.freeze_start_up_heap)
        assert first.value("paperbot_gc_frozen_objects") > 10_000
        runs = first.value("paperbot_digest_runs_total", outcome="sent", **console)
        assert runs == first.value("paperbot_digest_runs", status="sent")
        assert first.value("paperbot_digest_run_seconds_count", outcome="sent", **console) == runs
        posted = first.value("paperbot_messages_total", action="post", outcome="sent", **console)
        assert posted == first.value("paperbot_digest_messages", status="sent", **console) >= 1
        assert first.value("paperbot_send_seconds_count", action="post", **console) == posted
        assert first.value("process_resident_memory_bytes") > 0
        assert first.value("process_open_fds") > 0
        assert first.has("process_cpu_seconds_total")
        assert first.has("paperbot_digest_runs_total", outcome="sent", **console)
        assert {n for n in first.names() if n.endswith("_created")} == set()  # switched off

        (corpus / "2024-10-01.txt").write_text(NEW_DAY, encoding="utf-8")
        later = await _scrape_until(port, 42, "paperbot_notes_ingested_total", change="added")
        assert later.value("paperbot_notes", state="active") == 42
        # The new file is ingested by the notes watcher or, failing that, the periodic re-ingest.
        after_start = sum(
            later.value("paperbot_ingest_seconds_count", trigger=trigger)
            for trigger in ("periodic", "watcher")
        )
        assert after_start >= 1
        later = await _scrape_until(port, 2, "paperbot_digest_runs", status="sent")  # delivered
        sent = later.value("paperbot_messages_total", action="post", outcome="sent", **console)
        assert sent > posted
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-2000:]


async def test_commands_are_counted_and_timed_by_reply(app: App) -> None:
    metrics = PrometheusMetrics()
    terminal = Destination(Platform.CONSOLE, "local", "terminal")
    handle = terminal_handler(paper_command(app, metrics), terminal, "me")
    server = HttpServer(HealthRegistry(), metrics)
    port = await server.start("127.0.0.1", 0)
    try:
        await handle("tags")
        await handle("tag:")
        first = await scrape(port)
        await handle("tags")
        await handle("tag:rlhf")
        later = await scrape(port)
    finally:
        await server.stop()
    tags, error = (
        {"platform": "console", "reply": "tags"},
        {"platform": "console", "reply": "error"},
    )
    assert first.value("paperbot_commands_total", **tags) == 1
    assert first.value("paperbot_commands_total", **error) == 1
    assert first.value("paperbot_search_seconds_count") == 0  # a syntax error never searched
    assert later.value("paperbot_commands_total", **tags) == 2
    assert later.value("paperbot_command_seconds_count", **tags) == 2
    assert later.value("paperbot_command_seconds_sum", **tags) > 0
    assert later.value("paperbot_search_seconds_count") == 1
    assert later.value("paperbot_search_seconds_bucket", le="+Inf") == 1
