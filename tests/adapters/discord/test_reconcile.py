"""Nothing lost while down, on Discord: the reader pages the reactions endpoint (100 users a
page, normal and super reactions), and end to end with the real `paperbot run` process against
the stand-in, a 🔔 added while paperbot was stopped is picked up at the next start (confirmed
once by DM; the next instant DM holds exactly the matching notes), and 🔔s added and removed
while the gateway was down are reconciled when the client resumes; a 🔔 left on a paper after
`unsubscribe all` does not follow again at the next start."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import discord
from discord.http import Route
from sqlalchemy import func, select

from adapters.discord.reactions import DiscordReactionReader
from bot.app import App, open_app
from bot.models import MessageRef, Platform, Reaction
from bot.store.reaction_marks import SqlReactionMarks
from bot.store.subscription_schema import ReactionMarkRow
from bot.subscriptions.reconcile import Reactable, Reconciler, ReconcileReport
from tests.support.discord_paper import Bot, texts
from tests.support.discord_service import (
    ANA,
    BEA,
    FIRST,
    MATCHING,
    OTHER,
    deployment,
    rows_of,
    serving,
)
from tests.support.discord_standin import DiscordStandIn
from tests.support.real_delivery import Entry, write_notes
from tests.support.slack_service import eventually

BELL = frozenset({"🔔", "bell"})
BELLED = Entry("Chains of Thought at Scale", tags=("rl", "vision"))


async def test_the_reader_pages_through_every_user_of_both_reaction_types(bot: Bot) -> None:
    channel = bot.client.get_channel(int(bot.channel))
    assert isinstance(channel, discord.TextChannel)
    posted = await channel.send("a paper")
    people = [str(700000000000001000 + n) for n in range(130)]
    for person in people:
        bot.standin.react(str(posted.id), "🔔", person)
    bot.standin.react(str(posted.id), "🔔", "700000000000009999", burst=True)
    bot.standin.react(str(posted.id), "👍", "700000000000000001")
    reader = DiscordReactionReader(lambda: bot.client.http)
    ref = MessageRef(Platform.DISCORD, "g", bot.channel, str(posted.id))

    found = await reader.reactions(Reactable(ref, BELL))
    assert found == {"🔔": frozenset([*people, "700000000000009999"])}
    reads = bot.standin.sent("GET", rf"/channels/{bot.channel}/messages/\d+/reactions/.+")
    assert [r.query.get("type") for r in reads] == ["0", "0", "1"]  # `bell` is not read
    assert reads[1].query == {"limit": "100", "after": people[99], "type": "0"}

    gone = MessageRef(Platform.DISCORD, "g", bot.channel, "123456789")
    assert await reader.reactions(Reactable(gone, BELL)) is None  # Unknown Message


def _title(message: dict[str, Any]) -> str:
    return str(message["embeds"][0].get("title", "")) if message["embeds"] else ""


def _confirmations(standin: DiscordStandIn, user: str, said: str) -> list[str]:
    return [texts(m) for m in standin.dm_posts(user) if said in texts(m)]


async def test_bells_changed_while_stopped_or_disconnected_take_effect_when_back(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    notes = setup.notes
    first_log = tmp_path / "first.log"
    async with serving(setup, first_log) as service:
        _, paper = await service.first_digest()
        await service.paper(ANA, "subscriptions cadence instant")
        await service.paper(BEA, "subscriptions cadence instant")
        await service.logged("discord reconcile:")

    standin.react(paper["id"], "🔔", ANA)  # while paperbot is stopped
    log = tmp_path / "second.log"
    async with serving(setup, log) as service:
        await standin.wait_for(lambda: _confirmations(standin, ANA, "Now following"), 90)
        (said,) = _confirmations(standin, ANA, "Now following")
        assert "tag:rl" in said and "tag:reasoning" in said

        write_notes(notes, [FIRST, *MATCHING, OTHER])
        await service.instant_passes(1)
        await standin.wait_for(lambda: len(service.dm_titles(ANA)) >= 2, 60)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)

        standin.react(paper["id"], "🔔", ANA, added=False)  # while the gateway is down
        standin.react(paper["id"], "🔔", BEA)
        await standin.drop()
        await standin.wait_for(lambda: _confirmations(standin, BEA, "Now following"), 60)
        await standin.wait_for(lambda: _confirmations(standin, ANA, "No longer following"), 60)
        assert any(c.resumed for c in standin.connections)  # a resume, not a new session
        await service.logged("reconcile pass asked for (reconnect (resumed))")
        await service.logged("discord reconcile:", 2)
    assert len(_confirmations(standin, ANA, "Now following")) == 1
    assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)  # once
    assert standin.problems == []


async def test_a_bell_on_a_dm_digests_paper_changed_while_away_takes_effect_when_back(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    """The pass reads people's DM digests too (the DM channel's message reactions, the DM
    opened with `POST /users/@me/channels`): a 🔔 added on a DM's paper while paperbot was
    stopped follows its tags in the digest's guild at the next start, confirmed once; one
    removed while the gateway was down is taken back when the client resumes."""
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    async with serving(setup, tmp_path / "first.log") as service:
        await service.first_digest()
        await service.paper(ANA, "subscribe tag:rl")
        await service.paper(ANA, "subscriptions cadence instant")
        write_notes(setup.notes, [FIRST, BELLED])
        await service.instant_passes(1)
        (dm_paper,) = [m for m in standin.dm_posts(ANA) if BELLED.title in _title(m)]

    standin.react(dm_paper["id"], "🔔", ANA)  # in the DM, while paperbot is stopped
    async with serving(setup, tmp_path / "second.log") as service:
        await standin.wait_for(lambda: service.said_by_dm(ANA, "tag:vision"), 90)
        (followed,) = service.said_by_dm(ANA, "tag:vision")
        listed = await service.paper(ANA, "subscriptions")  # in the guild: the digest's
        assert "tag:rl" in listed and "tag:vision" in listed, listed
        dm = standin.dms[ANA]
        assert standin.sent("GET", rf"/channels/{dm}/messages/{dm_paper['id']}/reactions/.+")

        standin.react(dm_paper["id"], "🔔", ANA, added=False)  # while the gateway is down
        await standin.drop()
        await standin.wait_for(lambda: len(service.said_by_dm(ANA, "tag:vision")) == 2, 60)
        assert "tag:vision" not in await service.paper(ANA, "subscriptions")
        assert "tag:rl" in await service.paper(ANA, "subscriptions")  # the command's stays
    assert followed != service.said_by_dm(ANA, "tag:vision")[1]
    assert standin.problems == []


async def _no_marks(database_url: str) -> bool:
    """Whether the database holds no reaction mark at all (opaque ones included)."""
    async with open_app(database_url) as app, app.engine.connect() as conn:
        query = select(func.count()).select_from(ReactionMarkRow)
        return int((await conn.execute(query)).scalar_one()) == 0


async def test_unsubscribe_all_is_not_undone_by_the_bell_left_on_the_paper_at_the_next_start(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    """Ana's 🔔 stays on the paper after `unsubscribe all`: the pass at the next READY does not
    follow it again, nor does its add event replayed, and no row names her; taking it off and
    putting it back is a new 🔔, followed and confirmed as usual."""
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    async with serving(setup, tmp_path / "first.log") as service:
        _, paper = await service.first_digest()
        await service.react(ANA, paper)  # stays on the message
        await standin.wait_for(lambda: _confirmations(standin, ANA, "Now following"), 60)
        assert "Unsubscribed from all" in await service.paper(ANA, "unsubscribe all")

    async with serving(setup, tmp_path / "second.log") as service:
        await service.logged("discord reconcile:")  # the pass at READY is done
        await service.react(ANA, paper)  # the old add replayed
        await service.metric('paperbot_reactions_total{outcome="recorded",platform="discord"} 1')
        assert "You follow nothing." in await service.paper(ANA, "subscriptions")
        left = await rows_of(database_url, setup.guild, ANA)
        assert left == dict.fromkeys(left, 0), left

        await service.react(ANA, paper, added=False)  # the opaque mark goes with it
        await eventually(lambda: _no_marks(database_url), 60)
        await service.react(ANA, paper)
        await standin.wait_for(lambda: len(_confirmations(standin, ANA, "Now following")) > 1, 60)
        assert "tag:rl" in await service.paper(ANA, "subscriptions")
    assert len(_confirmations(standin, ANA, "Now following")) == 2
    assert standin.problems == []


class Listed:
    """A `ReactableSource` of the messages the test posted."""

    def __init__(self, messages: list[Reactable]) -> None:
        self.messages = messages

    async def recent(self, platform: Platform, since: datetime) -> list[Reactable]:
        return self.messages


async def test_a_guild_paperbot_can_no_longer_read_does_not_stop_the_others_reconcile(
    bot: Bot, app: App
) -> None:
    """While paperbot was down one guild removed it (403 / 50001 Missing Access) and another's
    digest channel was deleted (404 / 10003 Unknown Channel): their messages are unreadable,
    and the 🔔 added in the third guild meanwhile is still found and applied."""
    standin = bot.standin
    removed = standin.guilds[standin.add_guild()][0]
    deleted = standin.guilds[standin.add_guild()][0]
    messages = []
    for channel in (removed, deleted, bot.channel):  # the readable one last
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
        posted = await bot.client.http.request(
            route, json={"content": "a paper", "allowed_mentions": {"parse": []}}
        )
        standin.react(str(posted["id"]), "🔔", ANA)
        guild = standin.channels[channel].guild_id or ""
        ref = MessageRef(Platform.DISCORD, guild, channel, str(posted["id"]))
        messages.append(Reactable(ref, BELL))
    standin.remove_bot(standin.channels[removed].guild_id or "")
    del standin.channels[deleted]
    applied: list[Reaction] = []

    async def apply(reaction: Reaction) -> None:
        applied.append(reaction)

    reconciler = Reconciler(SqlReactionMarks(app.engine), [Listed(messages)], app.clock)
    reader = DiscordReactionReader(lambda: bot.client.http)
    report = await reconciler.run(Platform.DISCORD, reader, apply)
    assert report == ReconcileReport(messages=3, unreadable=2, added=1, removed=0)
    assert applied == [Reaction(messages[2].ref, ANA, "🔔", True)]
    reads = standin.sent("GET", r"/channels/\d+/messages/\d+/reactions/.+")
    assert [(r.status, r.path.split("/")[2]) for r in reads][:2] == [(403, removed), (404, deleted)]
