"""`paperbot run` as a subprocess with Slack turned on, against the local Web API stand-in."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.cli import REPO_ROOT
from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import Call, SlackApi
from tests.support.slack_requests import SlackSender

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-1111-2222-abcdefghijkl"
EVERY_SECOND = "* * * * * *"

ENTRIES = (
    Entry("Reward Models Under <!channel> Pressure", tags=("rlhf",)),
    Entry("Sparse Attention at Scale", tags=("attention", "efficiency")),
    Entry("Direct Preference Optimization Revisited", tags=("rlhf", "dpo")),
)


def write_day(folder: Path, entries: tuple[Entry, ...] = ENTRIES) -> None:
    """The notes file of 2024-09-20 in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = notes_text("2024년 9월 20일", entries)
    (folder / "2024-09-20.txt").write_text(text, encoding="utf-8")


def slack_env(api: SlackApi, **extra: str) -> dict[str, str]:
    """The environment of a single-workspace deployment pointed at the stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN=TOKEN, SLACK_API_BASE_URL=api.base_url)
    env.update(extra)
    return env


def destination(
    channel: str = "C1", *, layout: str = "thread", schedule: str = EVERY_SECOND
) -> str:
    """A `[[destinations]]` table for a Slack channel of T1."""
    return (
        f'[[destinations]]\nplatform = "slack"\nworkspace = "T1"\nchannel = "{channel}"\n'
        f'name = "ml-papers"\nschedule = "{schedule}"\nbackfill = "all"\nlayout = "{layout}"\n'
    )


@dataclass
class Bot:
    """A running paperbot."""

    process: asyncio.subprocess.Process
    log: Path
    port: int
    sender: SlackSender

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def reconciled(self, passes: int = 1) -> None:
        """Until the reconcile pass has run `passes` times (the first: at start, or at the
        first Socket Mode connection). A test that sends a reaction event without adding the
        reaction to the stand-in waits for it first: a pass still reading would take the
        event's reaction, missing on the platform, for one removed."""
        await wait_for(lambda: self.logged().count("slack reconcile:") >= passes)


async def wait_for(check: Callable[[], object], limit: float = 60, what: str = "") -> None:
    """Poll `check` (the stand-in's records, a log) until it is truthy."""
    async with asyncio.timeout(limit):
        while True:
            if check():
                return
            await asyncio.sleep(0.05)  # polling another process's effects, not test time


async def eventually(check: Callable[[], Awaitable[bool]], limit: float = 30) -> None:
    """Poll an async `check` (an HTTP endpoint of the bot) until it holds."""
    async with asyncio.timeout(limit):
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)  # polling another process's effects, not test time


async def posted_to(api: SlackApi, url: str, limit: float = 60) -> Call:
    """What the bot posted to one response_url (waited for)."""

    def posts() -> list[Call]:
        return [c for c in api.called("response") if url.endswith("/" + c.method[9:])]

    await wait_for(posts, limit)
    (posted,) = posts()
    return posted


async def ask(api: SlackApi, sender: SlackSender, text: str, **kwargs: Any) -> dict[str, Any]:
    """`/paper text` (`kwargs`: team, channel, user): the answer as the asker sees it.

    It is the acknowledgement's body when the core answers within the ack budget (2 s), else the
    post to the command's own response_url; which one depends on the machine's load, so the
    end-to-end tests take either. `test_slow_answers.py` pins each path with the core held.
    """
    url = api.response_url()
    acked = await sender.command(text, response_url=url, **kwargs)
    assert acked.status == 200, acked.text
    if acked.text:
        return dict(json.loads(acked.text))
    return (await posted_to(api, url)).args


@asynccontextmanager
async def running_bot(
    api: SlackApi,
    tmp_path: Path,
    database_url: str,
    *,
    config: str = "",
    env: dict[str, str] | None = None,
    notes: Path | None = None,
    extra_args: tuple[str, ...] = (),
    ready: str = "Slack: bot",
) -> AsyncIterator[Bot]:
    """`paperbot run --http 127.0.0.1:0` with Slack on; SIGTERM at exit, exit code 0 checked."""
    if notes is None:
        notes = tmp_path / "notes"
        write_day(notes)
    config_file = tmp_path / "paperbot.toml"
    config_file.write_text(config, encoding="utf-8")
    log = tmp_path / "bot.log"
    with open(log, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--notes-dir", str(notes),
            "--database-url", database_url, "--config", str(config_file),
            "--http", "127.0.0.1:0", "-v", *extra_args,
            cwd=REPO_ROOT, env=env or slack_env(api), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        pattern = re.compile(r"health and metrics on http://127\.0\.0\.1:(\d+)/")
        found: list[re.Match[str]] = []

        def announced() -> bool:
            match = pattern.search(log.read_text(errors="replace"))
            if match:
                found.append(match)
            return bool(match) or process.returncode is not None

        await wait_for(announced, 90)
        assert found, log.read_text()[-3000:]
        port = int(found[0].group(1))
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET, api.response_url)
        bot = Bot(process, log, port, sender)
        await wait_for(lambda: ready in bot.logged(), 60)
        await wait_for(lambda: "start-up ingest of" in bot.logged(), 60)
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]
