"""Issue 12 on Discord, end to end: the real `paperbot run` process with DISCORD_BOT_TOKEN set,
against the stand-in. A digest is posted; a 🔔 on a paper's message in its thread follows that
paper's tags and is confirmed once by DM (the bot's own 🔔 and a repeated event change nothing);
the next ingest's two matching notes (not the third) come in the person's instant DM digest,
once; removing the 🔔 stops further DMs for those tags."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.discord.test_service import _destination, _start
from tests.support.discord_paper import texts
from tests.support.discord_standin import BOT_ID, DiscordStandIn, snowflake
from tests.support.real_delivery import Entry, write_notes

ANA, BEA = "700000000000000001", "700000000000000002"
FIRST = Entry("Reward Models Under Pressure", tags=("rl", "reasoning"))
MATCHING = [
    Entry("Policy Gradients Revisited", tags=("rl",)),
    Entry("Chains of Thought at Scale", tags=("reasoning",)),
]
OTHER = Entry("Scaling Sparse Experts", tags=("moe",))
LATER = Entry("Offline RL Without Tears", tags=("rl", "reasoning"))


@dataclass(frozen=True)
class Setup:
    """A guild with one channel whose thread-layout digest comes every second, the notes folder
    holding `FIRST`, and the child's arguments and environment."""

    notes: Path
    guild: str
    channel: str
    args: list[str]
    env: dict[str, str]

    @classmethod
    def make(cls, standin: DiscordStandIn, database_url: str, tmp_path: Path) -> Setup:
        notes = tmp_path / "notes"
        notes.mkdir()
        write_notes(notes, [FIRST])
        guild = standin.add_guild()
        channel = standin.guilds[guild][0]
        config = tmp_path / "paperbot.toml"
        config.write_text(_destination(guild, channel, "thread"), encoding="utf-8")
        env = {
            "DISCORD_BOT_TOKEN": "test-token.abc",
            "DISCORD_API_BASE_URL": standin.api_base,
            "DISCORD_GATEWAY_URL": standin.gateway_url,
        }
        args = ["--notes-dir", str(notes), "--database-url", database_url,
                "--config", str(config), "--http", "127.0.0.1:0", "--ingest-every", "0.1",
                "-v"]  # fmt: skip
        return cls(notes, guild, channel, args, env)


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

    async def logged(self, text: str, count: int = 1) -> None:
        """Until the child's log holds `text` `count` times (polling the file)."""
        async with asyncio.timeout(90):
            while self.log.read_text().count(text) < count:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.1)

    async def instant_passes(self, count: int) -> None:
        """Until the child logged `count` instant DM passes that sent something."""
        await self.logged("instant DM digests after an ingest", count)

    async def react(self, user: str, message: dict[str, Any], *, added: bool = True) -> None:
        """🔔 on a message in a thread: the event names the thread as its channel."""
        event = {"user_id": user, "channel_id": message["channel_id"],
                 "message_id": message["id"], "guild_id": self.guild,
                 "emoji": {"id": None, "name": "🔔"}, "burst": False, "type": 0,
                 "message_author_id": BOT_ID}  # fmt: skip
        name = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        await self.standin.dispatch(name, event, self.guild)

    async def paper(self, user: str, query: str) -> str:
        data = {"id": snowflake(), "name": "paper", "type": 1,
                "options": [{"name": "query", "type": 3, "value": query}]}  # fmt: skip
        asked = await self.standin.interact(
            2, data, channel_id=self.channel, user_id=user, locale="en-US"
        )
        await self.standin.wait_for(lambda: asked.complete, 60)
        return texts(asked.message())

    def dm_titles(self, user: str) -> list[str]:
        """Titles of the paper messages in the person's DM (header and confirmations left out)."""
        return [
            m["embeds"][0]["title"]
            for m in self.standin.dm_posts(user)
            if m["embeds"] and m["embeds"][0].get("title") and "for you" not in texts(m)
        ]


async def test_a_bell_follows_a_paper_and_the_instant_dm_holds_exactly_the_matching_notes(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = Setup.make(standin, database_url, tmp_path)
    notes, guild, channel = setup.notes, setup.guild, setup.channel
    log = tmp_path / "bot.log"
    process = await _start(setup.args, setup.env, log)
    service = Service(standin, guild, channel, log)
    try:
        (header,) = await standin.wait_for(lambda: standin.channel_posts(channel), 90)
        (paper,) = await standin.wait_for(lambda: standin.channel_posts(header["id"]), 90)
        assert paper["channel_id"] == header["id"]  # the paper's message is in the thread
        await service.logged("posted slot:")  # the ledger holds the run's messages

        await service.react(BOT_ID, paper)  # the bot's own 🔔: ignored
        await service.react(ANA, paper)
        (confirmed,) = await standin.wait_for(lambda: standin.dm_posts(ANA), 60)
        said = texts(confirmed)
        assert "Now following tag:rl, tag:reasoning" in said, said
        await service.react(ANA, paper)  # the same event again: changes nothing
        await service.metric('paperbot_reactions_total{outcome="recorded",platform="discord"} 2')

        listed = await service.paper(ANA, "subscriptions cadence instant")
        assert "right after the notes are read in" in listed and "tag:reasoning" in listed
        assert "tag:rl" in await service.paper(BEA, "subscribe tag:rl")
        await service.paper(BEA, "subscriptions cadence instant")
        assert BOT_ID not in standin.dms  # its own 🔔 subscribed nobody, confirmed nothing

        write_notes(notes, [FIRST, *MATCHING, OTHER])
        await service.instant_passes(1)
        await standin.wait_for(lambda: len(service.dm_titles(ANA)) >= 2, 60)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)
        assert service.dm_titles(BEA) == [MATCHING[0].title]

        await service.react(ANA, paper, added=False)
        removed = await standin.wait_for(lambda: standin.dm_posts(ANA)[4:], 60)
        said = texts(removed[0])
        assert "No longer following" in said and "tag:rl" in said and "tag:reasoning" in said

        write_notes(notes, [FIRST, *MATCHING, OTHER, LATER])
        await standin.wait_for(lambda: LATER.title in service.dm_titles(BEA), 90)
        await service.instant_passes(2)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)  # once
        assert len(standin.dm_posts(ANA)) == 5  # 2 confirmations, a header and 2 papers
    finally:
        if process.returncode is None:
            process.terminate()
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]
    assert standin.problems == []
