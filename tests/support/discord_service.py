"""`paperbot run` as a child process with Discord on, against the stand-in: one guild, one text
channel with a thread-layout digest every second, the notes folder it reads; and what the
Discord end-to-end tests do to it (reactions, `/paper`, clicks, waiting on its log and metrics,
counting a person's rows).

The people and notes of issue 12's scenarios are here too: a first paper tagged `rl` and
`reasoning`, two later notes that match a 🔔 on it, one that does not, and one after that."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.digest.personal import Person
from bot.models import Platform
from tests.adapters.discord.test_service import _destination, _start
from tests.support.discord_paper import texts
from tests.support.discord_standin import (
    BOT_ID,
    CHANNEL_FORUM,
    Channel,
    DiscordStandIn,
    Interaction,
    snowflake,
)
from tests.support.person_rows import rows_of as person_rows_of
from tests.support.real_delivery import Entry, write_notes

ANA, BEA, ADMIN = "700000000000000001", "700000000000000002", "700000000000000009"
MANAGE_GUILD = 1 << 5
EPHEMERAL = 64
FIRST = Entry("Reward Models Under Pressure", tags=("rl", "reasoning"))
MATCHING = [
    Entry("Policy Gradients Revisited", tags=("rl",)),
    Entry("Chains of Thought at Scale", tags=("reasoning",)),
]
OTHER = Entry("Scaling Sparse Experts", tags=("moe",))
LATER = Entry("Offline RL Without Tears", tags=("rl", "reasoning"))


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
    standin: DiscordStandIn,
    database_url: str,
    tmp_path: Path,
    first: list[Entry],
    *,
    digests: bool = True,
    forum: bool = False,
    layout: str = "thread",
) -> Deployment:
    """A guild with a channel (`forum`: a forum channel), a config naming it with `layout`
    (`digests=False`: an empty config), and the notes folder holding `first`."""
    notes = tmp_path / "notes"
    notes.mkdir()
    write_notes(notes, first)
    made = [Channel(snowflake(), None, CHANNEL_FORUM, "papers")] if forum else []
    guild = standin.add_guild(None, *made)
    channel = standin.guilds[guild][0]
    config = tmp_path / "paperbot.toml"
    config.write_text(_destination(guild, channel, layout) if digests else "", encoding="utf-8")
    env = {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
    }
    args = ["--notes-dir", str(notes), "--database-url", database_url, "--config", str(config),
            "--http", "127.0.0.1:0", "--ingest-every", "0.1", "-v"]  # fmt: skip
    return Deployment(standin, guild, channel, notes, args, env)


@contextlib.asynccontextmanager
async def serving(deployment: Deployment, log: Path) -> AsyncIterator[Service]:
    """One `paperbot run` process logging to `log`; terminated (and exit code 0 checked)."""
    process = await _start(deployment.args, deployment.env, log)
    try:
        yield Service(deployment.standin, deployment.guild, deployment.channel, log)
    finally:
        if process.returncode is None:
            process.terminate()
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]


class Service:
    """The child process's stand-in side and its log (its port, its instant DM passes)."""

    def __init__(self, standin: DiscordStandIn, guild: str, channel: str, log: Path) -> None:
        self.standin, self.guild, self.channel, self.log = standin, guild, channel, log

    def port(self) -> int:
        found = re.search(r"health and metrics on http://127\.0\.0\.1:(\d+)/", self.log.read_text())
        assert found is not None
        return int(found[1])

    async def metric(self, line: str) -> None:
        """Until `/metrics` shows `line` (polling the child's endpoint)."""
        url = f"http://127.0.0.1:{self.port()}/metrics"
        async with asyncio.timeout(30), aiohttp.ClientSession() as session:
            while True:
                async with session.get(url) as response:
                    if line in await response.text():
                        return
                await asyncio.sleep(0.1)

    async def ready(self) -> None:
        """Until the child's `/readyz` says the gateway is connected."""
        async with asyncio.timeout(90), aiohttp.ClientSession() as session:
            while True:
                try:
                    url = f"http://127.0.0.1:{self.port()}/readyz"
                    async with session.get(url) as answer:
                        if answer.status == 200:
                            return
                except (AssertionError, aiohttp.ClientError):
                    pass  # not listening yet
                await asyncio.sleep(0.1)  # polling another process

    async def logged(self, text: str, count: int = 1) -> None:
        """Until the child's log holds `text` `count` times (polling the file)."""
        async with asyncio.timeout(90):
            while self.log.read_text().count(text) < count:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.1)

    async def first_digest(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The start-up digest of a one-note `deployment` (layout `thread`), once posted and
        recorded: its header in the channel and the paper's message in the header's thread,
        after the ledger's 'posted slot' line (so a reaction or click finds its delivery)."""
        standin = self.standin
        (header,) = await standin.wait_for(lambda: standin.channel_posts(self.channel), 90)
        (paper,) = await standin.wait_for(lambda: standin.channel_posts(header["id"]), 90)
        await self.logged("posted slot:")
        return header, paper

    async def instant_passes(self, count: int) -> None:
        """Until the child logged `count` instant DM passes that sent something."""
        await self.logged("instant DM digests after an ingest", count)

    async def react(
        self,
        user: str,
        message: dict[str, Any],
        emoji: str = "🔔",
        *,
        added: bool = True,
        in_dm: bool = False,
        author: str = BOT_ID,
    ) -> None:
        """A reaction event as Discord sends it: on a message in a thread the event names the
        thread as its channel; in a DM (`in_dm`) it names no guild; `author` posted the
        message (a person, or a webhook's id)."""
        event = {"user_id": user, "channel_id": message["channel_id"],
                 "message_id": message["id"], "emoji": {"id": None, "name": emoji},
                 "burst": False, "type": 0, "message_author_id": author}  # fmt: skip
        if not in_dm:
            event["guild_id"] = self.guild
        name = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        await self.standin.dispatch(name, event, None if in_dm else self.guild)

    async def ask(
        self, user: str, query: str, *, channel: str | None = None, permissions: int | None = None
    ) -> Interaction:
        """`/paper <query>` by `user` in the service's channel (or `channel`), once answered."""
        data = {"id": snowflake(), "name": "paper", "type": 1,
                "options": [{"name": "query", "type": 3, "value": query}]}  # fmt: skip
        extra: dict[str, Any] = {} if permissions is None else {"permissions": permissions}
        asked = await self.standin.interact(
            2, data, channel_id=channel or self.channel, user_id=user, locale="en-US", **extra
        )
        await self.standin.wait_for(lambda: asked.complete, 60)
        return asked

    async def paper(self, user: str, query: str, **where: Any) -> str:
        """The text of the answer to `/paper <query>`."""
        return texts((await self.ask(user, query, **where)).message())

    async def click(self, message: dict[str, Any], custom_id: str, user: str) -> Interaction:
        """A button click on `message`, once answered."""
        return await click(self.standin, message, custom_id, user)

    def dm_titles(self, user: str) -> list[str]:
        """Titles of the paper messages in the person's DM (header and confirmations left out)."""
        return [
            m["embeds"][0]["title"]
            for m in self.standin.dm_posts(user)
            if m["embeds"] and m["embeds"][0].get("title") and "for you" not in texts(m)
        ]

    def said_by_dm(self, user: str, text: str = "") -> list[str]:
        """The texts of the person's DM messages that hold `text`, oldest first."""
        return [t for m in self.standin.dm_posts(user) if text in (t := texts(m))]


async def click(
    standin: DiscordStandIn, message: dict[str, Any], custom_id: str, user: str
) -> Interaction:
    """A button click on `message` (in its channel), once answered."""
    data = {"custom_id": custom_id, "component_type": 2}
    clicked = await standin.interact(
        3, data, channel_id=message["channel_id"], user_id=user, locale="en-US", message=message
    )
    await standin.wait_for(lambda: clicked.complete, 60)
    return clicked


def said_privately(clicked: Interaction) -> str:
    """The text of the ephemeral answer to a click (at once, or deferred and followed up)."""
    (callback,) = clicked.callbacks
    assert callback["type"] in (4, 5) and callback["data"]["flags"] & EPHEMERAL
    return texts(clicked.message())


async def rows_of(database_url: str, guild: str, user: str) -> dict[str, int]:
    """How many rows of `user` (in `guild`) each table that holds a person has: the list
    `/paper unsubscribe all` deletes (`bot.store.subscriptions.person_rows`)."""
    return await person_rows_of(database_url, Person(Platform.DISCORD, guild, user))
