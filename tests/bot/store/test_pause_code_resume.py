"""Resuming forgets the code that paused a destination, as stored (not only as `state()` shows
it): a person asking for DMs again, an admin's `enable`, and a pause for a platform's event
keeps its code until then (real stores, SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app import App
from bot.digest.personal import Person
from bot.models import ErrorCode, Platform
from bot.store.delivery_schema import DestinationStateRow
from bot.store.destinations import SqlDestinationStore
from bot.store.subscriptions import SqlSubscriptionStore
from tests.support.clock import FixedClock

PERSON = Person(Platform.DISCORD, "9", "42")
CHANNEL = "slack:T1:C0123ABCD"


async def _stored(app: App, key: str) -> tuple[bool, str, str | None]:
    """The row as the database holds it: paused, reason, code."""
    async with app.engine.connect() as conn:
        row = await conn.execute(
            sa.select(
                DestinationStateRow.paused,
                DestinationStateRow.pause_reason,
                DestinationStateRow.pause_code,
            ).where(DestinationStateRow.key == key)
        )
        paused, reason, code = row.one()
    return bool(paused), reason, code


async def test_asking_for_dms_again_clears_the_stored_code(app: App, clock: FixedClock) -> None:
    destinations = SqlDestinationStore(app.engine)
    paused = await destinations.record_permanent_failure(
        PERSON.key, "Discord 50007", pause_after=1, now=clock.now(), code=ErrorCode("50007")
    )
    assert paused and await _stored(app, PERSON.key) == (True, "Discord 50007", "50007")
    assert await SqlSubscriptionStore(app.engine).resume_dm(PERSON)
    assert await _stored(app, PERSON.key) == (False, "", None)


async def test_enabling_a_channel_clears_the_stored_code(app: App, clock: FixedClock) -> None:
    destinations = SqlDestinationStore(app.engine)
    await destinations.record_permanent_failure(
        CHANNEL, "not_in_channel", pause_after=1, now=clock.now(), code=ErrorCode("not_in_channel")
    )
    await destinations.set_paused(CHANNEL, False, "", clock.now())
    assert await _stored(app, CHANNEL) == (False, "", None)


async def test_a_pause_for_an_event_keeps_its_code_until_resumed(
    app: App, clock: FixedClock
) -> None:
    destinations = SqlDestinationStore(app.engine)
    uninstalled = ErrorCode("app_uninstalled")
    await destinations.set_paused(
        CHANNEL, True, "T1: app_uninstalled", clock.now(), code=uninstalled
    )
    assert await _stored(app, CHANNEL) == (True, "T1: app_uninstalled", "app_uninstalled")
    assert (await destinations.state(CHANNEL)).pause_code == uninstalled
    await destinations.set_paused(CHANNEL, False, "", clock.now(), code=uninstalled)
    assert await _stored(app, CHANNEL) == (False, "", None)
    await destinations.set_paused(CHANNEL, True, "by hand", clock.now())
    assert await _stored(app, CHANNEL) == (True, "by hand", None)
