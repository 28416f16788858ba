"""`paperbot run` as a process: preview, scheduled digests through the ledger, clean shutdown."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp

from tests.support.cli import REPO_ROOT, run_cli

EVERY_SECOND = "* * * * * *"  # six fields: seconds first


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "paperbot.toml"
    path.write_text(body, encoding="utf-8")
    return path


async def _start(*args: str, log: Path | None = None) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with open(log or os.devnull, "wb") as stderr:  # a file: a full pipe would block the bot
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args,
            cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip


async def _http_port(log: Path, limit: float = 30) -> int:
    """The port the bot announced for its health endpoints (it was asked for any free one)."""
    async with asyncio.timeout(limit):
        while True:
            found = re.search(r"health and metrics on http://127\.0\.0\.1:(\d+)/", log.read_text())
            if found:
                return int(found.group(1))
            await asyncio.sleep(0.05)  # polling the child's log file, not waiting on test time


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def _read_until(stream: asyncio.StreamReader, marker: str, limit: float = 30) -> str:
    seen = ""
    async with asyncio.timeout(limit):
        while marker not in seen:
            line = await stream.readline()
            if not line:
                break
            seen += line.decode()
    return seen


async def _until_sent(database_url: str, limit: float = 60) -> None:
    """Poll `paperbot deliveries` until the lab channel's first digest is recorded as sent."""
    async with asyncio.timeout(limit):
        while True:
            listed = await run_cli("deliveries", "--database-url", database_url)
            if any(
                "console:local:lab" in line and " sent " in line for line in listed.out.splitlines()
            ):
                return


async def test_once_shows_the_newest_day_and_exits(database_url: str, seeds_dir: Path) -> None:
    result = await run_cli(
        "run", "--once", "--notes-dir", str(seeds_dir), "--database-url", database_url
    )
    assert result.code == 0, result.err
    assert "2024-09-20" in result.out
    assert "Language Models Learn to Mislead Humans via RLHF" in result.out


async def test_service_posts_scheduled_digests_once_and_stops_on_sigterm(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    config = _config(
        tmp_path,
        f"""
[[destinations]]
platform = "console"
workspace = "local"
channel = "lab"
schedule = "{EVERY_SECOND}"
backfill = "all"
""",
    )
    log = tmp_path / "bot.log"
    process = await _start(
        "--notes-dir", str(seeds_dir), "--database-url", database_url, "--config", str(config),
        "--http", "127.0.0.1:0", "-v", log=log,
    )  # fmt: skip
    assert process.stdout is not None
    # The preview, then the scheduled digest of all five days through the ledger.
    out = await _read_until(process.stdout, "2024-09-20 ·")
    out += await _read_until(process.stdout, "WARM: On the Benefits")
    await _until_sent(database_url)
    port = await _http_port(log)
    assert await _get(port, "/healthz") == (200, "ok\n")
    status, ready = await _get(port, "/readyz")
    assert status == 200 and '"database": true' in ready and '"scheduler": true' in ready
    assert (await _get(port, "/metrics"))[0] == 200
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        rest, _ = await process.communicate()
    assert process.returncode == 0, log.read_text()[-2000:]
    shown = out + rest.decode()
    assert shown.count("WARM: On the Benefits of Weight Averaged Reward Models") >= 1
    exported = await run_cli("export", "--database-url", database_url)
    assert len(exported.out.splitlines()) == 41
    # Every note went to the lab channel exactly once, whatever slots fired.
    second = await _start(
        "--notes-dir", str(seeds_dir), "--database-url", database_url, "--config", str(config),
        "--http", "off",
    )  # fmt: skip
    assert second.stdout is not None
    await _read_until(second.stdout, "2024-09-20 ·")
    second.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        again, _ = await second.communicate()
    assert "WARM: On the Benefits" not in again.decode()


async def test_bad_config_stops_before_anything_runs(database_url: str, tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[[destinations]]\nplatform = "console"\nworkspace = "w"\nchannel = "c"\n'
        'timezone = "Mars/Base"\n',
    )
    result = await run_cli("run", "--database-url", database_url, "--config", str(config))
    assert result.code == 2
    assert "destinations[0].timezone" in result.err and "Mars/Base" in result.err


def test_shipped_example_config_is_valid() -> None:
    from bot.cli_run import delivery_config

    config = delivery_config(REPO_ROOT / "config" / "paperbot.example.toml")
    assert [d.key for d in config.destinations] == ["console:local:terminal"]
