"""The subscription store on SQLite and PostgreSQL: repeated events neither double nor drop a
subscription, a reaction's origin takes back only what it added, and forgetting a person
leaves nothing of them."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.app import App
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.digest.settings import DestinationSettings
from bot.models import Platform
from bot.store.delivery_schema import AssignedNoteRow, DeliveryRow, DigestRunRow
from bot.store.subscription_schema import SubscriberRow, SubscriptionOriginRow, SubscriptionRow
from bot.store.subscriptions import COMMAND_ORIGIN, SqlSubscriptionStore
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day, wire
from tests.support.transport import RecordingTransport

ANN = Person(Platform.SLACK, "T1", "U1")
BOB = Person(Platform.SLACK, "T1", "U2")
ANN_ON_DISCORD = Person(Platform.DISCORD, "T1", "U1")
PLAN = DeliveryPlan()


async def _count(app: App, table: type) -> int:
    async with app.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_adding_twice_and_concurrently_keeps_one_row(app: App, clock: FixedClock) -> None:
    store = SqlSubscriptionStore(app.engine)
    now = clock.now()
    first = await store.add(ANN, ["tag:rl"], "reaction:m1", now=now, plan=PLAN)
    again = await store.add(ANN, ["tag:rl"], "reaction:m1", now=now, plan=PLAN)
    await asyncio.gather(
        *(store.add(ANN, ["tag:rl", "tag:x"], "reaction:m1", now=now, plan=PLAN) for _ in range(5))
    )
    assert (first, again) == (["tag:rl"], [])
    assert [s.text for s in await store.for_person(ANN)] == ["tag:rl", "tag:x"]
    assert await _count(app, SubscriptionRow) == 2
    assert await _count(app, SubscriptionOriginRow) == 2
    assert await _count(app, SubscriberRow) == 1


async def test_the_database_refuses_a_second_row_for_one_filter(
    app: App, clock: FixedClock
) -> None:
    """Not only checks in code: the unique constraint holds."""
    store = SqlSubscriptionStore(app.engine)
    await store.add(ANN, ["tag:rl"], COMMAND_ORIGIN, now=clock.now(), plan=PLAN)
    row = SubscriptionRow(
        platform="slack", workspace="T1", user_id="U1", filter_text="tag:rl", created_at=clock.now()
    )
    async with app.engine.connect() as conn:
        try:
            await conn.execute(
                SubscriptionRow.__table__.insert().values(
                    platform=row.platform,
                    workspace=row.workspace,
                    user_id=row.user_id,
                    filter_text=row.filter_text,
                    created_at=row.created_at,
                )
            )
            await conn.commit()
        except IntegrityError:
            await conn.rollback()
        else:
            raise AssertionError("a second row for one person and filter was accepted")


async def test_removing_a_reaction_takes_back_only_what_it_added(
    app: App, clock: FixedClock
) -> None:
    store = SqlSubscriptionStore(app.engine)
    now = clock.now()
    await store.add(ANN, ["tag:rl"], COMMAND_ORIGIN, now=now, plan=PLAN)  # had it before
    await store.add(ANN, ["tag:rl", "tag:reasoning"], "reaction:m1", now=now, plan=PLAN)
    await store.add(ANN, ["tag:reasoning", "tag:scaling"], "reaction:m2", now=now, plan=PLAN)

    assert await store.remove_origin(ANN, "reaction:m1") == []  # rl: command; reasoning: m2
    assert [s.text for s in await store.for_person(ANN)] == [
        "tag:rl",
        "tag:reasoning",
        "tag:scaling",
    ]
    assert await store.remove_origin(ANN, "reaction:m2") == ["tag:reasoning", "tag:scaling"]
    assert await store.remove_origin(ANN, "reaction:m2") == []  # a repeated removal
    assert [s.text for s in await store.for_person(ANN)] == ["tag:rl"]


async def test_people_are_per_platform_user_and_see_only_their_own(
    app: App, clock: FixedClock
) -> None:
    store = SqlSubscriptionStore(app.engine)
    now = clock.now()
    await store.add(ANN, ["tag:rl"], COMMAND_ORIGIN, now=now, plan=PLAN)
    await store.add(BOB, ["tag:rl", "tag:x"], COMMAND_ORIGIN, now=now, plan=PLAN)
    await store.add(ANN_ON_DISCORD, ["tag:y"], COMMAND_ORIGIN, now=now, plan=PLAN)
    assert [s.text for s in await store.for_person(ANN)] == ["tag:rl"]
    assert await store.remove(ANN, ["tag:x", "tag:rl"]) == ["tag:rl"]
    everyone = await store.everyone()
    assert {p: [s.text for s in subs] for p, subs in everyone.items()} == {
        BOB: ["tag:rl", "tag:x"],
        ANN_ON_DISCORD: ["tag:y"],
    }


async def test_plans_are_kept_per_person(app: App, clock: FixedClock) -> None:
    store = SqlSubscriptionStore(app.engine)
    await store.add(
        ANN, ["tag:rl"], COMMAND_ORIGIN, now=clock.now(), plan=DeliveryPlan(timezone="UTC")
    )
    await store.add(ANN, ["tag:x"], COMMAND_ORIGIN, now=clock.now(), plan=PLAN)  # keeps UTC
    assert await store.plan(ANN) == DeliveryPlan(timezone="UTC")
    weekly = DeliveryPlan(Cadence.WEEKLY, "07:30", "Europe/Berlin", "en")
    await store.set_plan(ANN, weekly, now=clock.now())
    assert await store.plans() == {ANN: weekly}
    assert await store.plan(BOB) is None


async def test_forget_leaves_nothing_of_the_person(app: App, clock: FixedClock) -> None:
    """Subscriptions, plan and the DM destination's runs, messages and taken notes."""
    ann, bob = Person(Platform.CONSOLE, "local", "ann"), Person(Platform.CONSOLE, "local", "bob")
    store = SqlSubscriptionStore(app.engine)
    day = date(2024, 9, 20)
    await put_day(app, day, [note(day, "a", "rl")])
    await store.add(ann, ["tag:rl"], "reaction:m1", now=clock.now(), plan=PLAN)
    await store.add(bob, ["tag:rl"], COMMAND_ORIGIN, now=clock.now(), plan=PLAN)
    delivery, _ = wire(app, RecordingTransport(), clock)
    for person in (ann, bob):
        dm = DestinationSettings(destination=person.destination())
        await delivery.runner.run(dm, "slot:1")
    assert await _count(app, DeliveryRow) == 4

    await store.forget(ann)

    assert await store.for_person(ann) == [] and await store.plan(ann) is None
    async with app.engine.connect() as conn:
        for table, column in (
            (DigestRunRow, DigestRunRow.destination_key),
            (DeliveryRow, DeliveryRow.destination_key),
            (AssignedNoteRow, AssignedNoteRow.destination_key),
        ):
            keys = set((await conn.execute(select(column))).scalars())
            assert keys == {bob.key}, table
    assert [s.text for s in await store.for_person(bob)] == ["tag:rl"]


async def test_new_notes_are_those_first_stored_since(app: App, clock: FixedClock) -> None:
    store = SqlSubscriptionStore(app.engine)
    d1, d2 = date(2024, 9, 19), date(2024, 9, 20)
    await put_day(app, d1, [note(d1, "old", "rl")])
    clock.advance(timedelta(hours=1))
    since = clock.now()
    await put_day(app, d2, [note(d2, "new", "rl")])
    await put_day(app, d1, [note(d1, "old", "rl")], version="v2")  # re-read, unchanged
    assert [n.key for n, _ in await store.new_notes(since)] == [note(d2, "new").key]


async def test_of_concurrent_adds_of_one_filter_exactly_one_reports_it_new(
    app: App, clock: FixedClock
) -> None:
    """An event and the reconcile pass (or two replicas) following the same tag at once: one of
    them subscribed the person, so only that one's change is confirmed."""
    store = SqlSubscriptionStore(app.engine)
    now = clock.now()
    await store.add(ANN, ["tag:llm"], COMMAND_ORIGIN, now=now, plan=PLAN)  # a subscriber already
    origins = [f"reaction:m{i}" for i in range(8)]
    added = await asyncio.gather(
        *(store.add(ANN, ["tag:rl", "tag:x"], origin, now=now, plan=PLAN) for origin in origins)
    )
    assert sorted(text for texts in added for text in texts) == ["tag:rl", "tag:x"]
    assert await _count(app, SubscriptionOriginRow) == 1 + 16  # every origin recorded
