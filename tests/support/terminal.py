"""`paperbot run` as a real process whose stdin is a pty: the person at the terminal types lines,
the test reads what the bot prints. Waits key on markers in the output, never on time alone."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.cli import REPO_ROOT

__all__ = ["NEWEST_LAST_ID", "ONLY_YOU", "Output", "Terminal", "at_the_terminal"]

NEWEST_LAST_ID = "id: 2024-09-20-language-models-learn-to-mislead-humans-via-rlhf"
"""The last line of the start digest of the seeds: the bot is up and has shown it."""
ONLY_YOU = "나에게만 보이는 메시지입니다."
"""The end of every private answer (Korean, the default language)."""


class Output:
    """Everything the bot prints, read in the background; waits look for a marker after a mark."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.text = ""
        self._stream = stream
        self._changed = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while line := await self._stream.readline():
            self.text += line.decode()
            self._changed.set()

    async def wait_for(self, marker: str, since: int = 0, limit: float = 90) -> str:
        """The output from `since` once it shows `marker`."""
        async with asyncio.timeout(limit):
            while marker not in self.text[since:]:
                self._changed.clear()
                await self._changed.wait()
        return self.text[since:]


@dataclass
class Terminal:
    """The running bot, the pty's controlling end, and the notes folder it reads."""

    process: asyncio.subprocess.Process
    controller: int
    out: Output
    corpus: Path

    async def type(self, line: str, marker: str) -> str:
        """Type `line`; the output from then on, once it shows `marker`."""
        mark = len(self.out.text)
        os.write(self.controller, (line + "\n").encode())
        return await self.out.wait_for(marker, mark)

    async def ask_until(self, line: str, marker: str) -> str:
        """Type `line` until its answer shows `marker` (the periodic ingest has read a file)."""
        mark = len(self.out.text)
        async with asyncio.timeout(90):
            while marker not in self.out.text[mark:]:
                with contextlib.suppress(TimeoutError):
                    await self.type(line, ONLY_YOU)
                    await self.out.wait_for(marker, mark, limit=2)
        return self.out.text[mark:]


@asynccontextmanager
async def at_the_terminal(
    database_url: str, seeds_dir: Path, tmp_path: Path, *, user: str = "ann"
) -> AsyncIterator[Terminal]:
    """The bot over a copy of the seeds (ingesting every 0.1 s), `$USER` at its pty; shown the
    start digest before the body runs; `:quit` at the end, and it must exit with 0."""
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    config = tmp_path / "paperbot.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"USER": user}
    controller, follower = os.openpty()
    log = tmp_path / "bot.log"
    process: asyncio.subprocess.Process | None = None
    try:
        with open(log, "wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--notes-dir", str(corpus),
                "--database-url", database_url, "--config", str(config), "--http", "off",
                "--ingest-every", "0.1", cwd=REPO_ROOT, env=env, stdin=follower,
                stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )  # fmt: skip
        assert process.stdout is not None
        terminal = Terminal(process, controller, Output(process.stdout), corpus)
        await terminal.out.wait_for(NEWEST_LAST_ID)
        yield terminal
        os.write(controller, b":quit\n")
        async with asyncio.timeout(30):
            await process.wait()
            await terminal.out.reader
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        os.close(controller)
        os.close(follower)
    assert process.returncode == 0, log.read_text()[-3000:]
