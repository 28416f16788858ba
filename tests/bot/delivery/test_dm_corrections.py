"""A DM run is rebuilt, for its corrections and its resume, with what matched each paper: the
subscriptions stored with its snapshot. So a corrected DM keeps each paper's "matched" line, a
resumed one shows the line of the subscription that brought the paper (even one removed since),
and a DM run settles when it closes, as channel runs do: an edit made while it was being sent
is corrected then, and an unchanged run edits nothing. Real terminal renderer, the transport at
the port; SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.models import Destination, Platform
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import PersonalDigests, personal_digests_for
from bot.subscriptions.service import SubscriptionService
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day
from tests.support.real_delivery import real_wire
from tests.support.transport import RecordingTransport

ANN = Person(Platform.CONSOLE, "T1", "ann")
HOME = Destination(Platform.CONSOLE, "T1", "C1", locale="en")
DAY = date(2024, 9, 20)
MATCHED = "matched: tag:rl"


def _wired(
    app: App, clock: FixedClock
) -> tuple[SubscriptionService, PersonalDigests, RecordingTransport, Delivery]:
    transport = RecordingTransport()
    delivery = real_wire(app, transport, clock)  # the terminal's renderer: ConsoleRenderer
    store = SqlSubscriptionStore(app.engine)
    return (
        SubscriptionService(store, clock),
        personal_digests_for(delivery, store),
        transport,
        delivery,
    )


async def _following(service: SubscriptionService, clock: FixedClock) -> None:
    await service.subscribe(ANN, "tag:rl", HOME)
    await service.set_plan(ANN, DeliveryPlan(Cadence.INSTANT, locale="en"))
    clock.advance(timedelta(seconds=1))


async def test_a_corrected_dm_keeps_each_papers_matched_line(app: App, clock: FixedClock) -> None:
    service, personal, transport, delivery = _wired(app, clock)
    await _following(service, clock)
    a, b = note(DAY, "paper a", "rl"), note(DAY, "paper b", "rl")
    await put_day(app, DAY, [a, b])
    assert await personal.send_instant() == {ANN: RunOutcome.SENT}
    _header, first, second = transport.texts(ANN.key)
    assert MATCHED in first and MATCHED in second
    assert transport.edits == []  # settled at its close: nothing had changed

    changed = await put_day(app, DAY, [replace(a, commentary="corrected text"), b], version="v2")
    report = await delivery.corrections.apply(changed)
    assert (report.edited, report.failed) == (1, [])
    ((ref, text),) = transport.edits
    assert ref == transport.sent[1].ref
    assert "corrected text" in text and MATCHED in text
    assert text.replace("corrected text", "").split() == first.split()  # the rest as posted


async def test_a_dm_edited_while_it_is_sent_is_corrected_when_its_run_closes(
    app: App, clock: FixedClock
) -> None:
    service, personal, transport, _delivery = _wired(app, clock)
    await _following(service, clock)
    a, b = note(DAY, "paper a", "rl"), note(DAY, "paper b", "rl")
    await put_day(app, DAY, [a, b])
    gate = transport.hold_next(ANN.key, skip=1)  # the header goes out, paper a waits
    sending = asyncio.create_task(personal.send_instant())
    await asyncio.wait_for(gate.entered.wait(), timeout=30)
    await put_day(app, DAY, [replace(a, commentary="edited meanwhile"), b], version="v2")
    gate.release()
    assert await sending == {ANN: RunOutcome.SENT}
    _header, first, _second = transport.texts(ANN.key)
    assert "edited meanwhile" not in first  # rendered before the edit
    ((ref, text),) = transport.edits  # no correction pass ran: the run's close did it
    assert ref == transport.sent[1].ref
    assert "edited meanwhile" in text and MATCHED in text


async def test_a_resumed_dm_shows_what_matched_when_its_run_took_the_notes(
    app: App, clock: FixedClock
) -> None:
    service, personal, transport, _delivery = _wired(app, clock)
    await _following(service, clock)
    await put_day(app, DAY, [note(DAY, "paper a", "rl")])
    gate = transport.hold_next(ANN.key, skip=1)  # the header goes out, then the owner dies
    dying = asyncio.create_task(personal.send_instant())
    await asyncio.wait_for(gate.entered.wait(), timeout=30)
    dying.cancel()
    await asyncio.gather(dying, return_exceptions=True)
    assert len(transport.texts(ANN.key)) == 1

    await service.unsubscribe(ANN, "tag:rl")  # what matched can't be worked out again now
    clock.advance(timedelta(minutes=3))  # the dead owner's lease ran out
    assert await personal.resume_stale() == 1
    _header, paper = transport.texts(ANN.key)
    assert "paper a" in paper and MATCHED in paper
