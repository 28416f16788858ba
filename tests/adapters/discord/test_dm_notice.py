"""A person who cannot be DMed, and `/paper unsubscribe all`, on Discord, end to end with the
real `paperbot run` process against the stand-in. Ana refuses DMs (50007): her DM digest fails
once, is paused and not tried again, and her next `/paper` answer is followed by one ephemeral
message saying why (Discord cannot reach her otherwise), once. Then `unsubscribe all` leaves
nothing of her in any subscription or DM-history table, while Bea's rows stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from bot.app import open_app
from bot.store.delivery_schema import (
    AssignedNoteRow,
    DeliveryRow,
    DestinationStateRow,
    DigestRunRow,
)
from bot.store.subscription_schema import (
    DmNoticeRow,
    ReactionMarkRow,
    SubscriberRow,
    SubscriptionOriginRow,
    SubscriptionRow,
)
from tests.adapters.discord.test_subscriptions import ANA, BEA, FIRST, LATER, MATCHING, Service
from tests.support.discord_paper import texts
from tests.support.discord_service import deployment, serving
from tests.support.discord_standin import DiscordStandIn, Interaction, snowflake
from tests.support.real_delivery import write_notes

NOTICE = "📭 Your DM digest could not be sent"


async def _ask(standin: DiscordStandIn, channel: str, user: str, query: str) -> Interaction:
    data = {"id": snowflake(), "name": "paper", "type": 1,
            "options": [{"name": "query", "type": 3, "value": query}]}  # fmt: skip
    asked = await standin.interact(2, data, channel_id=channel, user_id=user, locale="en-US")
    await standin.wait_for(lambda: asked.complete, 60)
    return asked


def _digest_tries(standin: DiscordStandIn, dm: str) -> list[Any]:
    """Posts of a DM digest into Ana's DM (her 🔔's confirmation left out)."""
    titles = [e.title for e in (*MATCHING, LATER)]
    sent = standin.sent("POST", rf"/channels/{dm}/messages")
    return [r for r in sent if any(t in str(r.body) for t in titles) or "for you" in str(r.body)]


def _said(followups: list[dict[str, Any]]) -> list[str]:
    return [texts(f) for f in followups]


async def _rows_of(database_url: str, guild: str, user: str) -> dict[str, int]:
    """How many rows of `user` each subscription and DM-history table holds."""
    dm = f"discord:{guild}:@{user}"
    async with open_app(database_url) as app, app.engine.connect() as conn:
        mine = select(SubscriptionRow.id).where(SubscriptionRow.user_id == user)
        queries = {
            "subscriptions": select(func.count()).where(SubscriptionRow.user_id == user),
            "subscription_origins": select(func.count()).where(
                SubscriptionOriginRow.subscription_id.in_(mine)
            ),
            "subscribers": select(func.count()).where(SubscriberRow.user_id == user),
            "reaction_marks": select(func.count()).where(ReactionMarkRow.user_id == user),
            "dm_notices": select(func.count()).where(DmNoticeRow.user_id == user),
            "digest_runs": select(func.count()).where(DigestRunRow.destination_key == dm),
            "deliveries": select(func.count()).where(
                or_(DeliveryRow.destination_key == dm, DeliveryRow.channel == f"@{user}")
            ),
            "assigned_notes": select(func.count()).where(AssignedNoteRow.destination_key == dm),
            "destination_state": select(func.count()).where(DestinationStateRow.key == dm),
        }
        return {name: int((await conn.execute(q)).scalar_one()) for name, q in queries.items()}


async def test_a_person_who_refuses_dms_is_told_once_and_unsubscribe_all_forgets_them(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    guild, channel, notes = setup.guild, setup.channel, setup.notes
    log = tmp_path / "bot.log"
    async with serving(setup, log):
        service = Service(standin, guild, channel, log)
        (header,) = await standin.wait_for(lambda: standin.channel_posts(channel), 90)
        (paper,) = await standin.wait_for(lambda: standin.channel_posts(header["id"]), 90)
        await service.logged("posted slot:")
        standin.closed_dms.add(ANA)
        standin.react(paper["id"], "🔔", ANA)
        await service.react(ANA, paper)  # a 🔔 too: its origin and its mark are Ana's rows
        for user in (ANA, BEA):
            await _ask(standin, channel, user, "subscribe tag:rl")
            await _ask(standin, channel, user, "subscriptions cadence instant")

        write_notes(notes, [FIRST, *MATCHING])
        await standin.wait_for(lambda: MATCHING[0].title in service.dm_titles(BEA), 90)
        dm = standin.dms[ANA]
        tries = len(_digest_tries(standin, dm))
        assert tries >= 1

        told = await _ask(standin, channel, ANA, "tags")
        await standin.wait_for(lambda: told.followups, 30)
        (said,) = _said(told.followups)
        assert NOTICE in said and "/paper subscribe" in said

        write_notes(notes, [FIRST, *MATCHING, LATER])
        await standin.wait_for(lambda: LATER.title in service.dm_titles(BEA), 90)
        assert len(_digest_tries(standin, dm)) == tries  # paused
        again = await _ask(standin, channel, ANA, "tags")

        assert sum((await _rows_of(database_url, guild, ANA)).values()) > 0
        gone = await _ask(standin, channel, ANA, "unsubscribe all")
        assert "Unsubscribed from all" in texts(gone.message())
        assert again.followups == []  # told once
    left = await _rows_of(database_url, guild, ANA)
    assert left == dict.fromkeys(left, 0), left
    kept = await _rows_of(database_url, guild, BEA)
    assert kept["subscriptions"] and kept["digest_runs"] and kept["deliveries"]
    assert standin.problems == []
