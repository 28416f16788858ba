"""On the terminal channel, as a real `paperbot run` process at a pty: the start digest is shown,
`:react 🔔 2` follows the second paper's tags with one confirmation, the next ingest brings two
matching notes and one that does not, and the person's DM holds exactly the two, once;
`:unreact` stops further DMs for those tags."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from pathlib import Path

from tests.support.cli import REPO_ROOT

NEWEST_LAST_ID = "id: 2024-09-20-language-models-learn-to-mislead-humans-via-rlhf"
ONLY_YOU = "나에게만 보이는 메시지입니다."
NEXT_DAY = """2024-10-01
Scaling Laws For Subscriptions
구독 테스트 논문입니다.
#scaling
Vision Paper Nobody Follows
비전 논문입니다.
#vision
Scaling Reinforcement Learning
또 하나의 논문입니다.
#rl #scaling
"""
LATER_DAY = """2024-10-02
Scaling Once More
한 번 더.
#scaling
"""


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


async def _type(controller: int, out: Output, line: str, marker: str) -> str:
    mark = len(out.text)
    os.write(controller, (line + "\n").encode())
    return await out.wait_for(marker, mark)


async def _ask_until(controller: int, out: Output, line: str, marker: str) -> str:
    """Type `line` until its answer shows `marker` (the periodic ingest has read a file)."""
    mark = len(out.text)
    async with asyncio.timeout(90):
        while marker not in out.text[mark:]:
            with contextlib.suppress(TimeoutError):
                await _type(controller, out, line, ONLY_YOU)  # the end of every private answer
                await out.wait_for(marker, mark, limit=2)
    return out.text[mark:]


async def test_react_at_the_terminal_then_a_dm_of_exactly_the_matching_new_notes(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    config = tmp_path / "paperbot.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"USER": "ann"}
    controller, terminal = os.openpty()
    log = tmp_path / "bot.log"
    try:
        with open(log, "wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--notes-dir", str(corpus),
                "--database-url", database_url, "--config", str(config), "--http", "off",
                "--ingest-every", "0.1", cwd=REPO_ROOT, env=env, stdin=terminal,
                stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )  # fmt: skip
        assert process.stdout is not None
        out = Output(process.stdout)
        await out.wait_for(NEWEST_LAST_ID)
        confirmed = await _type(controller, out, ":react 🔔 2", "구독 중:")
        assert confirmed.count("🔔 이제 구독합니다: tag:scaling.") == 1
        await _type(controller, out, "/paper subscriptions cadence instant", "즉시 DM으로")
        mark = len(out.text)
        (corpus / "2024-10-01.txt").write_text(NEXT_DAY, encoding="utf-8")
        dm = await out.wait_for("Scaling Reinforcement Learning", mark)
        dm = await out.wait_for("또 하나의 논문입니다", mark)  # the last paper's own message
        assert "✉️ @ann" in dm
        assert "Scaling Laws For Subscriptions" in dm and "Vision Paper" not in dm
        await _type(controller, out, ":unreact 🔔 2", "🔕")
        mark = len(out.text)
        (corpus / "2024-10-02.txt").write_text(LATER_DAY, encoding="utf-8")
        await _ask_until(controller, out, "/paper id:2024-10-02-scaling-once-more", "한 번 더")
        await _ask_until(controller, out, "/paper tags", "#vision")  # one more ingest at least
        os.write(controller, b":quit\n")
        async with asyncio.timeout(30):
            await process.wait()
            await out.reader
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 0, log.read_text()[-3000:]
    assert "✉️" not in out.text[mark:]  # no DM after the 🔔 came off
    assert out.text.count("✉️ @ann") == 1
