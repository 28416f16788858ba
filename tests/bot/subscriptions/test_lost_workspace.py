"""A workspace the bot lost (a Slack uninstall): every person's DM digest there is paused with
the lost workspace's code, no DM is tried, each person's notice waits for their next `/paper`
(nothing can reach them before), and their asking for DMs again resumes it (both engines)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.models import ErrorCode, Platform
from bot.replies import Reply
from bot.store.dm_notices import SqlDmNotices
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import personal_digests_for
from bot.subscriptions.notices import DmNotices
from bot.subscriptions.service import SubscriptionService
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day, wire
from tests.support.transport import RecordingTransport

ANN = Person(Platform.CONSOLE, "T2", "ann")
BOB = Person(Platform.CONSOLE, "T2", "bob")
CAT = Person(Platform.CONSOLE, "T1", "cat")  # another workspace: untouched
DAN = Person(Platform.CONSOLE, "T2", "dan")  # paused before, for a reason of his own
LOST = ErrorCode("app_uninstalled")
D3 = date(2024, 9, 20)


async def test_a_lost_workspace_pauses_its_peoples_dms_and_tries_none(
    app: App, clock: FixedClock
) -> None:
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    store = SqlSubscriptionStore(app.engine)
    service = SubscriptionService(store, clock)
    personal = personal_digests_for(delivery, store)
    notices = DmNotices(SqlDmNotices(app.engine), store, clock)
    told: list[tuple[Person, str, Reply]] = []

    async def tell(person: Person, channel: str, reply: Reply) -> bool:
        told.append((person, channel, reply))
        return True

    notices.tell_with(Platform.CONSOLE, tell)
    personal.on_unreachable, personal.on_paused = notices.failed, notices.noted
    for person in (ANN, BOB, CAT, DAN):
        origin = f"reaction:console:{person.workspace}:C1:1.2"  # a 🔔: a channel to tell in
        plan = DeliveryPlan(Cadence.INSTANT, locale="en")
        await store.add(person, ["tag:rl"], origin, now=clock.now(), plan=plan)
    await delivery.destinations.set_paused(
        DAN.key, True, "cannot_dm_bot", clock.now(), code=ErrorCode("cannot_dm_bot")
    )

    paused = await personal.pause_workspace(Platform.CONSOLE, "T2", "T2: app_uninstalled", LOST)

    assert sorted(p.user for p in paused) == ["ann", "bob"]
    for person in (ANN, BOB):
        state = await delivery.destinations.state(person.key)
        assert state.paused and state.pause_code == LOST, state
        assert state.pause_reason == "T2: app_uninstalled"
    dan = await delivery.destinations.state(DAN.key)
    assert dan.pause_code == ErrorCode("cannot_dm_bot")  # his own reason is kept
    assert not (await delivery.destinations.state(CAT.key)).paused
    assert told == []  # nothing tried at once: the workspace cannot be reached
    notes = SqlDmNotices(app.engine)
    assert await notes.pending(ANN) == "T2: app_uninstalled"
    assert await notes.pending(CAT) is None

    clock.advance(timedelta(seconds=1))
    await put_day(app, D3, [note(D3, "a", "rl")])
    outcomes = await personal.send_instant()
    assert outcomes == {
        ANN: RunOutcome.SKIPPED,
        BOB: RunOutcome.SKIPPED,
        DAN: RunOutcome.SKIPPED,
        CAT: RunOutcome.SENT,
    }
    assert {s.destination for s in transport.sent} == {CAT.key}  # no DM tried in T2

    said: list[Reply] = []

    async def say(reply: Reply) -> bool:
        said.append(reply)
        return True

    await notices.say_pending(ANN, "ko", say)  # her next /paper, once the app is back
    (notice,) = said
    assert notice.locale == "ko" and notice.ephemeral
    await service.set_plan(ANN, DeliveryPlan(Cadence.INSTANT, locale="en"))  # asks again
    assert not (await delivery.destinations.state(ANN.key)).paused
    assert await notes.pending(ANN) is None
    again = await personal.send_instant()
    assert again == {ANN: RunOutcome.SENT, BOB: RunOutcome.SKIPPED, DAN: RunOutcome.SKIPPED}
    assert ANN.key in {s.destination for s in transport.sent}  # Bob did not ask yet


UNINSTALL = ("app_uninstalled", "tokens_revoked")
EVE = Person(Platform.CONSOLE, "T2", "eve")  # paused by hand (no code)
D4 = date(2024, 9, 21)


async def test_the_workspace_back_resumes_only_what_its_loss_paused(
    app: App, clock: FixedClock
) -> None:
    """The app is reinstalled: the DMs and channels the loss paused resume (the next DM brings
    the note of the gap, the notice waiting for the person is dropped), while a pause of
    another code, or by hand, or in another workspace stays, with its notice."""
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    store = SqlSubscriptionStore(app.engine)
    personal = personal_digests_for(delivery, store)
    notes = SqlDmNotices(app.engine)
    notices = DmNotices(notes, store, clock)
    personal.on_unreachable, personal.on_paused = notices.failed, notices.noted
    for person in (ANN, BOB, CAT, DAN, EVE):
        plan = DeliveryPlan(Cadence.INSTANT, locale="en")
        await store.add(person, ["tag:rl"], "command", now=clock.now(), plan=plan)
    states = delivery.destinations
    await states.set_paused(
        DAN.key, True, "cannot_dm_bot", clock.now(), code=ErrorCode("cannot_dm_bot")
    )
    await notices.failed(DAN, "cannot_dm_bot")
    await states.set_paused(EVE.key, True, "by hand", clock.now())
    await states.set_paused(CAT.key, True, "T1: app_uninstalled", clock.now(), code=LOST)
    channels = {"console:T2:C2": None, "console:T2:C3": None, "console:T2:C4": "not_in_channel"}
    await states.record_permanent_failure(
        "console:T2:C4",
        "not_in_channel",
        pause_after=1,
        now=clock.now(),
        code=ErrorCode("not_in_channel"),
    )
    await states.set_paused("console:T2:C3", True, "by hand", clock.now())
    paused = [
        key
        for key in channels
        if await states.pause_running(key, "T2: app_uninstalled", clock.now(), code=LOST)
    ]
    assert paused == ["console:T2:C2"]  # the others keep their own pause
    lost = await personal.pause_workspace(Platform.CONSOLE, "T2", "T2: app_uninstalled", LOST)
    assert sorted(p.user for p in lost) == ["ann", "bob"]
    clock.advance(timedelta(seconds=1))
    await put_day(app, D3, [note(D3, "gap", "rl")])
    assert set((await personal.send_instant()).values()) == {RunOutcome.SKIPPED}

    resumed = await personal.resume_workspace(Platform.CONSOLE, "T2", UNINSTALL)
    back = [key for key in channels if await states.resume_paused_by(key, UNINSTALL, clock.now())]

    assert sorted(p.user for p in resumed) == ["ann", "bob"]
    assert back == ["console:T2:C2"]
    assert (await states.state("console:T2:C2")).pause_code is None
    assert (await states.state("console:T2:C3")).paused  # by hand: no code
    assert (await states.state("console:T2:C4")).pause_code == ErrorCode("not_in_channel")
    for person, code in ((DAN, ErrorCode("cannot_dm_bot")), (EVE, None), (CAT, LOST)):
        state = await states.state(person.key)
        assert state.paused and state.pause_code == code, (person, state)
    assert await notes.pending(ANN) is None and await notes.pending(BOB) is None  # dropped
    assert await notes.pending(DAN) == "cannot_dm_bot"  # his is still to tell
    assert await personal.resume_workspace(Platform.CONSOLE, "T2", UNINSTALL) == []  # once

    clock.advance(timedelta(seconds=1))
    await put_day(app, D4, [note(D4, "after", "rl")])
    outcomes = await personal.send_instant()
    assert outcomes[ANN] is outcomes[BOB] is RunOutcome.SENT
    assert {outcomes[p] for p in (CAT, DAN, EVE)} == {RunOutcome.SKIPPED}
    for person in (ANN, BOB):
        sent = [s.text for s in transport.sent if s.destination == person.key]
        assert sent[1:] == ["2024-09-20-gap | gap", "2024-09-21-after | after"], sent  # one DM
