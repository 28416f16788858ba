"""A person's DM (destination channel `@<user id>`) through the real ledger, renderer and
discord.py to the stand-in: the DM is opened once, every part goes into it, a correction edits
it through the stored `@<user id>` reference, and a person who cannot be DMed (50007) fails the
run permanently, saying so."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.discord.client import ClientParts
from adapters.discord.transport import DiscordTransport
from bot.app import App
from bot.delivery.config import DeliveryConfig
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, Platform
from formatters.discord_embeds import DiscordRenderer
from tests.support.clock import FixedClock
from tests.support.discord_bot import MemoryHashes, no_services, running
from tests.support.discord_standin import BOT_ID, DiscordStandIn, snowflake
from tests.support.real_delivery import Entry, ingest, write_notes
from tests.support.sleep import VirtualSleep

NOTES = [
    Entry("Reward Models Under Pressure", tags=("rlhf",)),
    Entry("Scaling Sparse Experts", tags=("moe",)),
]
ANA = "700000000000000001"


@pytest.fixture
async def delivery(
    app: App, clock: FixedClock, tmp_path: Path, standin: DiscordStandIn
) -> AsyncIterator[Delivery]:
    seen: list[str] = []
    parts = ClientParts(no_services(), MemoryHashes(), on_login=seen.append)
    async with running(parts) as client:
        assert seen == [BOT_ID]  # the core learns the bot's own id at login
        transport = DiscordTransport(lambda: client.http, parts.logged_in)
        wired = build_delivery(
            app.engine,
            routes={Platform.DISCORD: Route(DiscordRenderer(), transport)},
            clock=clock,
            sleep=VirtualSleep(clock),
            policy=RetryPolicy(max_attempts=2, rng=random.Random(1)),
            config=DeliveryConfig(pause_after_failures=1),
            notes=app.notes,
        )
        write_notes(tmp_path, NOTES)
        await ingest(tmp_path, wired)
        yield wired


def dm(guild: str, user: str) -> DestinationSettings:
    where = Destination(Platform.DISCORD, guild, f"@{user}", name=user, locale="en")
    return DestinationSettings(destination=where, backfill=Backfill.ALL)


async def test_a_dm_digest_opens_the_dm_once_and_posts_every_part_in_it(
    delivery: Delivery, standin: DiscordStandIn, tmp_path: Path
) -> None:
    guild = standin.add_guild()
    settings = dm(guild, ANA)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
    opened = standin.sent("POST", "/users/@me/channels")
    assert [r.body for r in opened] == [{"recipient_id": ANA}]
    posts = standin.dm_posts(ANA)
    assert len(posts) == 1 + len(NOTES)  # the header, then one message per paper, all in the DM
    assert [p["embeds"][0]["title"] for p in posts[1:]] == [n.title for n in NOTES]
    assert standin.threads == []  # a DM has no threads
    dm_channel = standin.dms[ANA]
    assert {r.path for r in standin.sent("POST", r"/channels/\d+/messages")} == {
        f"/channels/{dm_channel}/messages"
    }
    # a correction edits the DM through the ledger's `@<user id>` reference
    write_notes(tmp_path, [NOTES[0], replace(NOTES[1], commentary="고친 코멘트입니다.")])
    await ingest(tmp_path, delivery)
    edits = standin.sent("PATCH", r"/channels/\d+/messages/\d+")
    assert edits and {e.path.split("/")[2] for e in edits} == {dm_channel}
    assert all(e.status == 200 for e in edits)
    assert "고친 코멘트" in str(standin.dm_posts(ANA)[2]["embeds"])
    assert len(standin.sent("POST", "/users/@me/channels")) == 1  # the DM channel is kept
    assert standin.problems == []


async def test_a_person_who_cannot_be_dmed_fails_the_run_permanently(
    delivery: Delivery, standin: DiscordStandIn
) -> None:
    guild, closed = standin.add_guild(), snowflake()
    standin.closed_dms.add(closed)
    settings = dm(guild, closed)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
    tries = standin.sent("POST", r"/channels/\d+/messages")
    assert [t.status for t in tries] == [403]  # permanent: not retried
    state = await delivery.destinations.state(settings.key)
    assert state.paused
    assert "Cannot send messages to this user (50007)" in state.pause_reason
    assert f"user {closed}" in state.pause_reason
    assert await delivery.runner.run(settings, "slot:2") is RunOutcome.SKIPPED
