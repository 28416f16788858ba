"""`paperbot run` as a child process with Discord on, against the stand-in: one guild, one text
channel with a thread-layout digest every second, the notes folder it reads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.adapters.discord.test_service import _destination, _start
from tests.support.discord_standin import DiscordStandIn
from tests.support.real_delivery import Entry, write_notes


@dataclass
class Deployment:
    """What the processes of one test share: the guild, its channel, the notes, the database."""

    standin: DiscordStandIn
    guild: str
    channel: str
    notes: Path
    args: list[str]
    env: dict[str, str]


def deployment(
    standin: DiscordStandIn, database_url: str, tmp_path: Path, first: list[Entry]
) -> Deployment:
    """A guild with a channel, a config naming it, and the notes folder holding `first`."""
    notes = tmp_path / "notes"
    notes.mkdir()
    write_notes(notes, first)
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    config = tmp_path / "paperbot.toml"
    config.write_text(_destination(guild, channel, "thread"), encoding="utf-8")
    env = {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
    }
    args = ["--notes-dir", str(notes), "--database-url", database_url, "--config", str(config),
            "--http", "127.0.0.1:0", "--ingest-every", "0.1", "-v"]  # fmt: skip
    return Deployment(standin, guild, channel, notes, args, env)


@contextlib.asynccontextmanager
async def serving(deployment: Deployment, log: Path) -> AsyncIterator[None]:
    """One `paperbot run` process logging to `log`; terminated (and exit code 0 checked)."""
    process = await _start(deployment.args, deployment.env, log)
    try:
        yield
    finally:
        if process.returncode is None:
            process.terminate()
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]
