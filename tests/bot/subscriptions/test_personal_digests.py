"""Personal DM digests through the ledger, with an injected clock in several time zones: only new
matching notes, each once; nothing new, no DM; daily, weekly and instant cadences, a daylight-
saving change, and a DM that cannot be sent is paused rather than retried forever."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.commands.reactions import ReactionHandler
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.models import Destination, Note, Platform, Reaction
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import PersonalDigests, personal_digests_for
from bot.subscriptions.parts import PartNotes
from bot.subscriptions.service import SubscriptionService
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

ANN = Person(Platform.CONSOLE, "T1", "ann")
BOB = Person(Platform.CONSOLE, "T1", "bob")
D1, D2, D3 = date(2024, 9, 18), date(2024, 9, 19), date(2024, 9, 20)
HOME = Destination(Platform.CONSOLE, "T1", "C1", locale="en")


def _wired(
    app: App, clock: FixedClock
) -> tuple[SubscriptionService, PersonalDigests, RecordingTransport, Delivery]:
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    store = SqlSubscriptionStore(app.engine)
    return (
        SubscriptionService(store, clock),
        personal_digests_for(delivery, store),
        transport,
        delivery,
    )


def _dm_keys(transport: RecordingTransport, person: Person) -> list[str]:
    """The note keys of the papers sent to the person (one reply per paper)."""
    return [
        s.text.split(" | ")[0]
        for s in transport.sent
        if s.destination == person.key and s.thread is not None
    ]


async def _plan(service: SubscriptionService, person: Person, plan: DeliveryPlan) -> None:
    await service.set_plan(person, plan)


async def test_instant_sends_only_new_matching_notes_once(app: App, clock: FixedClock) -> None:
    service, personal, transport, _ = _wired(app, clock)
    old = note(D1, "old rl paper", "rl")
    await put_day(app, D1, [old])
    clock.advance(timedelta(minutes=1))
    await service.subscribe(ANN, "tag:rl tag:reasoning", HOME)
    await _plan(service, ANN, DeliveryPlan(Cadence.INSTANT, locale="en"))
    clock.advance(timedelta(minutes=1))
    a, b, c = note(D2, "a", "rl"), note(D2, "b", "reasoning", "rl"), note(D2, "c", "vision")
    await put_day(app, D2, [a, b, c])

    assert await personal.send_instant() == {ANN: RunOutcome.SENT}
    assert _dm_keys(transport, ANN) == [a.key, b.key]  # not the old one, not the unmatched one
    clock.advance(timedelta(minutes=10))
    assert await personal.send_instant() == {}  # nothing new: no DM, no run
    assert await personal.send_due() == {}  # an instant person gets no daily digest
    assert len(_dm_keys(transport, ANN)) == 2


async def test_daily_at_nine_in_each_persons_zone(app: App, clock: FixedClock) -> None:
    service, personal, _transport, delivery = _wired(app, clock)
    clock.set(datetime(2024, 9, 19, 12, 0, tzinfo=UTC))
    await service.subscribe(ANN, "tag:rl", HOME)
    await service.subscribe(BOB, "tag:rl", HOME)
    await _plan(service, ANN, DeliveryPlan(timezone="Asia/Seoul"))  # 09:00 KST = 00:00 UTC
    await _plan(service, BOB, DeliveryPlan(timezone="America/New_York"))  # 09:00 EDT = 13:00 UTC
    await put_day(app, D3, [note(D3, "a", "rl")])

    clock.set(datetime(2024, 9, 20, 0, 0, tzinfo=UTC))
    assert await personal.send_due() == {ANN: RunOutcome.SENT}
    assert await personal.send_due() == {}  # the slot's notes are taken: nothing new
    clock.set(datetime(2024, 9, 20, 12, 59, tzinfo=UTC))
    assert await personal.send_due() == {}  # Bob's 09:00 has not come
    clock.set(datetime(2024, 9, 20, 13, 0, tzinfo=UTC))
    assert await personal.send_due() == {BOB: RunOutcome.SENT}
    runs = {r.destination_key: r.digest_key for r in await delivery.ledger.recent_runs()}
    assert runs == {ANN.key: "dm:slot:2024-09-20T09:00", BOB.key: "dm:slot:2024-09-20T09:00"}


async def test_weekly_is_one_roll_up_on_monday(app: App, clock: FixedClock) -> None:
    service, personal, transport, _ = _wired(app, clock)
    clock.set(datetime(2024, 9, 16, 8, 0, tzinfo=UTC))  # Monday 10:00 in Berlin
    await service.subscribe(ANN, "tag:rl", HOME)
    await _plan(service, ANN, DeliveryPlan(Cadence.WEEKLY, "08:00", "Europe/Berlin"))
    notes: list[Note] = []
    for offset in range(1, 6):  # a note a day, Tuesday to Saturday
        clock.set(datetime(2024, 9, 16, 12, 0, tzinfo=UTC) + timedelta(days=offset))
        day = date(2024, 9, 16) + timedelta(days=offset)
        notes.append(note(day, f"n{offset}", "rl"))
        await put_day(app, day, [notes[-1]])
        assert await personal.send_due() == {}
    clock.set(datetime(2024, 9, 23, 6, 0, tzinfo=UTC))  # Monday 08:00 CEST
    assert await personal.send_due() == {ANN: RunOutcome.SENT}
    assert _dm_keys(transport, ANN) == [n.key for n in notes]


async def test_a_daylight_saving_change_neither_skips_nor_repeats_a_day(
    app: App, clock: FixedClock
) -> None:
    """New York, daily at 01:30: on 3 Nov 2024 01:30 happens twice (05:30 and 06:30 UTC), on
    10 Mar 2024 02:30 never happens (the slot fires at 03:30 EDT)."""
    service, personal, transport, _ = _wired(app, clock)
    clock.set(datetime(2024, 11, 2, 12, 0, tzinfo=UTC))
    await service.subscribe(ANN, "tag:rl", HOME)
    await _plan(service, ANN, DeliveryPlan(Cadence.DAILY, "01:30", "America/New_York"))
    await put_day(app, date(2024, 11, 2), [note(date(2024, 11, 2), "a", "rl")])
    clock.set(datetime(2024, 11, 3, 5, 30, tzinfo=UTC))  # 01:30 EDT
    assert await personal.send_due() == {ANN: RunOutcome.SENT}
    await put_day(app, date(2024, 11, 3), [note(date(2024, 11, 3), "b", "rl")])
    clock.set(datetime(2024, 11, 3, 6, 30, tzinfo=UTC))  # 01:30 EST: the same slot
    personal_ann = (await personal.plan_all())[ANN]
    assert personal_ann.digest.key == "dm:slot:2024-11-03T01:30"
    assert await personal.run(personal_ann, DeliveryPlan()) is RunOutcome.ALREADY
    clock.set(datetime(2024, 11, 4, 6, 30, tzinfo=UTC))  # the next day's slot brings b
    assert await personal.send_due() == {ANN: RunOutcome.SENT}

    plan = DeliveryPlan(Cadence.DAILY, "02:30", "America/New_York")
    spring = plan.due_slot(datetime(2024, 3, 10, 12, 0, tzinfo=UTC), timedelta(hours=6))
    assert spring == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)  # 03:30 EDT, once
    assert plan.due_slot(datetime(2024, 3, 10, 7, 29, tzinfo=UTC), timedelta(hours=6)) is None
    assert len(_dm_keys(transport, ANN)) == 2


async def test_a_person_who_cannot_be_dmed_is_paused_not_retried(
    app: App, clock: FixedClock
) -> None:
    service, personal, transport, delivery = _wired(app, clock)
    await service.subscribe(ANN, "tag:rl", HOME)
    await _plan(service, ANN, DeliveryPlan(Cadence.INSTANT))
    clock.advance(timedelta(seconds=1))
    await put_day(app, D3, [note(D3, "a", "rl")])
    transport.fail_always(ANN.key, "cannot_dm_bot")
    assert await personal.send_instant() == {ANN: RunOutcome.FAILED}
    state = await delivery.destinations.state(ANN.key)
    assert state.paused and "cannot_dm_bot" in state.pause_reason
    clock.advance(timedelta(minutes=1))
    assert await personal.send_instant() == {ANN: RunOutcome.SKIPPED}
    assert transport.sent == []
    transport.heal(ANN.key)
    await service.subscribe(ANN, "tag:rl", HOME)  # asking again resumes their DMs
    assert not (await delivery.destinations.state(ANN.key)).paused
    assert await personal.send_instant() == {ANN: RunOutcome.SENT}


async def test_a_replayed_reaction_and_a_restart_still_send_one_dm(
    app: App, clock: FixedClock
) -> None:
    """The reaction event twice, then a new process (new services, another owner) sends the DM;
    the old one running the same slot afterwards sends nothing."""
    clock.set(datetime(2024, 9, 19, 12, 0, tzinfo=UTC))
    service, before, transport, delivery = _wired(app, clock)
    await put_day(app, D1, [note(D1, "posted", "rl")])
    await delivery.runner.run(dest(), "slot:1")
    papers = PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer)
    handler = ReactionHandler(
        delivery.ledger, PrometheusMetrics(), subscriptions=service, papers=papers
    )
    for _ in range(2):  # a Slack retry of the same event
        await handler.handle(Reaction(transport.sent[1].ref, user=ANN.user, emoji="🔔"))
    assert [s.text for s in await service.following(ANN)] == ["tag:rl"]
    clock.advance(timedelta(minutes=1))
    await put_day(app, D2, [note(D2, "x", "rl"), note(D2, "y", "rl"), note(D2, "z", "cv")])

    restarted = RecordingTransport()
    again, _ = wire(app, restarted, clock, owner="restarted")
    after = personal_digests_for(again, SqlSubscriptionStore(app.engine))
    clock.set(datetime(2024, 9, 20, 0, 0, tzinfo=UTC))  # 09:00 in Seoul
    assert await after.send_due() == {ANN: RunOutcome.SENT}
    assert await before.send_due() == {}  # its notes are taken: nothing new
    assert _dm_keys(restarted, ANN) == [note(D2, "x").key, note(D2, "y").key]
    assert _dm_keys(transport, ANN) == []


async def test_a_dm_that_fails_part_way_keeps_what_it_delivered(
    app: App, clock: FixedClock
) -> None:
    """Its header and first paper went out, the second failed: once the DM works again, only
    the second paper comes (the first is not repeated)."""
    service, personal, transport, _ = _wired(app, clock)
    await service.subscribe(ANN, "tag:rl", HOME)
    await _plan(service, ANN, DeliveryPlan(Cadence.INSTANT))
    clock.advance(timedelta(seconds=1))
    a, b = note(D3, "a", "rl"), note(D3, "b", "rl")
    await put_day(app, D3, [a, b])
    gate = transport.hold_next(ANN.key, skip=2)  # header and paper a pass, paper b waits
    sending = asyncio.ensure_future(personal.send_instant())
    await gate.entered.wait()
    gate.release("cannot_dm_bot")
    assert await sending == {ANN: RunOutcome.FAILED}
    assert _dm_keys(transport, ANN) == [a.key]
    await service.set_plan(ANN, DeliveryPlan(Cadence.INSTANT))  # asking again resumes DMs
    clock.advance(timedelta(minutes=1))
    assert await personal.send_instant() == {ANN: RunOutcome.SENT}
    assert _dm_keys(transport, ANN) == [a.key, b.key]


async def test_an_edited_note_is_corrected_in_the_dm_that_showed_it(
    app: App, clock: FixedClock
) -> None:
    service, personal, transport, delivery = _wired(app, clock)
    await service.subscribe(ANN, "tag:rl", HOME)
    await _plan(service, ANN, DeliveryPlan(Cadence.INSTANT))
    clock.advance(timedelta(seconds=1))
    a = note(D3, "a", "rl")
    await put_day(app, D3, [a])
    assert await personal.send_instant() == {ANN: RunOutcome.SENT}
    edited = Note(a.key, a.day, a.title, tags=a.tags, commentary="고쳤습니다", source=a.source)
    changed = await put_day(app, D3, [edited], version="v2")
    report = await delivery.corrections.apply(changed)
    assert report.edited == 1
    [(ref, text)] = transport.edits
    assert ref.channel == "@ann" and "고쳤습니다" in text
