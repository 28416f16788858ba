"""`python3 dev.py run` as the quick start runs it: Ctrl-C on the terminal (SIGINT to the whole
process group), SIGTERM to the script and SIGTERM to its whole group all end the bot through
its clean stop, with the bot's own exit code and no traceback from the script."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT

VENV = Path(sys.prefix)
Stop = Callable[[asyncio.subprocess.Process], None]


async def _dev_run(tmp_path: Path, seeds_dir: Path, log: Path) -> asyncio.subprocess.Process:
    if not (VENV / ".paperbot-installed").exists():
        pytest.skip("the suite is not running in a venv dev.py made (run it with dev.py test)")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PAPERBOT_VENV"] = str(VENV)
    database = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with open(log, "wb") as stderr:  # a file: a full pipe would block the bot
        return await asyncio.create_subprocess_exec(
            sys.executable, str(REPO_ROOT / "dev.py"), "run",
            "--notes-dir", str(seeds_dir), "--database-url", database, "--http", "off",
            cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=stderr, start_new_session=True,
        )  # fmt: skip


async def _until_serving(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    async with asyncio.timeout(120):
        line = await process.stdout.readline()  # the terminal's first digest: the bot serves
    assert line, "the bot ended before it printed anything"


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda p: os.killpg(p.pid, signal.SIGINT), id="ctrl-c-to-the-group"),
        pytest.param(lambda p: p.send_signal(signal.SIGTERM), id="sigterm-to-dev-py"),
        # `timeout`, `kill -- -PGID` and systemd's default KillMode signal the whole group
        pytest.param(lambda p: os.killpg(p.pid, signal.SIGTERM), id="sigterm-to-the-group"),
    ],
)
async def test_a_stop_ends_the_bot_cleanly_through_dev_py(
    tmp_path: Path, seeds_dir: Path, stop: Stop
) -> None:
    log = tmp_path / "stderr.log"
    process = await _dev_run(tmp_path, seeds_dir, log)
    try:
        await _until_serving(process)
        stop(process)
        async with asyncio.timeout(30):
            await process.communicate()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    err = log.read_text()
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]


async def test_a_relative_path_given_through_dev_py_means_the_callers_directory(
    tmp_path: Path, seeds_dir: Path
) -> None:
    if not (VENV / ".paperbot-installed").exists():
        pytest.skip("the suite is not running in a venv dev.py made (run it with dev.py test)")
    notes = tmp_path / "mynotes"
    notes.mkdir()
    first = sorted(seeds_dir.glob("*.txt"))[0]
    (notes / first.name).write_bytes(first.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PAPERBOT_VENV"] = str(VENV)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO_ROOT / "dev.py"), "paperbot", "ingest", "mynotes",
        "--database-url", f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(120):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert first.name in out.decode() + err.decode()
