"""A stopping process hands its runs back: the send in progress finishes and is recorded, no
other send starts, and the next owner resumes the run at once (no lease to wait out)."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest
from sqlalchemy import select

from bot.app import App
from bot.delivery.drain import Drain
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.store.delivery_schema import DigestRunRow
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire, wire_with
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)


async def _run_row(app: App) -> DigestRunRow:
    async with app.engine.connect() as conn:
        rows = (await conn.execute(select(DigestRunRow))).all()
    assert len(rows) == 1
    return rows[0]  # type: ignore[return-value]


async def test_the_send_in_flight_is_recorded_and_the_run_is_resumed_by_the_next_owner(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, f"paper {i}") for i in range(3)])
    settings = dest("C1")
    transport = RecordingTransport()
    stopping, _ = wire(app, transport, clock, owner="A")
    gate = transport.hold_next(settings.key, skip=1)  # the first reply is in flight at SIGTERM
    run = asyncio.create_task(stopping.runner.run(settings, "slot:1"))
    await asyncio.wait_for(gate.entered.wait(), 10)
    stopping.publisher.drain.close()
    assert not await stopping.publisher.drain.settled(0.05)  # the send is let finish
    gate.release()
    assert await asyncio.wait_for(run, 10) is RunOutcome.STOPPED
    assert await stopping.publisher.drain.settled(1)

    assert len(transport.sent) == 2
    row = await _run_row(app)
    assert (row.status, row.owner) == ("pending", "")
    assert row.lease_until <= clock.now()  # handed back: nothing to wait out
    views = await stopping.ledger.recent_runs()
    assert views[0].sent_parts == 2  # both messages that went out are recorded

    resuming, _ = wire(app, transport, clock, owner="B")
    assert await resuming.runner.run(settings, "slot:1", trigger="resume") is RunOutcome.SENT
    texts = transport.texts(settings.key)
    assert len(texts) == 4 and len(set(texts)) == 4  # header + 3 replies, none twice


async def _waiting_out_a_retry_after(
    app: App, clock: FixedClock
) -> tuple[Delivery, RecordingTransport, asyncio.Task[RunOutcome]]:
    """A run to C1 in the minute's wait of a 429 (the workspace is held for a minute)."""
    await put_day(app, DAY, [note(DAY, "paper")])
    settings = dest("C1")
    transport = RecordingTransport()
    transport.fail_next(settings.key, "429:60")
    stopping = wire_with(app, transport, clock, asyncio.sleep, owner="A")
    run = asyncio.create_task(stopping.runner.run(settings, "slot:1"))
    async with asyncio.timeout(10):
        while not transport.failures:  # noqa: ASYNC110 - the 429 is the transport's only trace
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # now in the minute's wait
    return stopping, transport, run


async def test_a_run_waiting_out_a_retry_after_stops_waiting_at_once(
    app: App, clock: FixedClock
) -> None:
    stopping, transport, run = await _waiting_out_a_retry_after(app, clock)
    began = time.monotonic()
    stopping.publisher.drain.close()
    assert await asyncio.wait_for(run, 10) is RunOutcome.STOPPED
    assert time.monotonic() - began < 2
    assert transport.sent == []
    row = await _run_row(app)
    assert (row.status, row.owner) == ("pending", "") and row.lease_until <= clock.now()


async def test_no_run_starts_once_the_drain_is_closed(app: App, clock: FixedClock) -> None:
    await put_day(app, DAY, [note(DAY, "paper")])
    transport = RecordingTransport()
    stopping, _ = wire(app, transport, clock)
    stopping.publisher.drain.close()
    assert await stopping.runner.run(dest("C1"), "slot:1") is RunOutcome.STOPPED
    assert transport.sent == [] and await stopping.ledger.recent_runs() == []


async def test_a_cancel_that_comes_with_the_close_is_not_taken_back(
    app: App, clock: FixedClock
) -> None:
    """SIGTERM closes the drain and cancels the start-up task in the same instant (and the
    bound cancels whatever still runs): the drain takes back only its own cancel."""
    stopping, transport, run = await _waiting_out_a_retry_after(app, clock)
    stopping.publisher.drain.close()
    run.cancel()
    done, _ = await asyncio.wait({run}, timeout=10)
    assert done and run.cancelled()  # not STOPPED: the task's own cancel went through
    assert transport.sent == []


async def test_the_drain_ends_only_the_wait_and_leaves_no_cancel_behind() -> None:
    drain = Drain()
    waiter = asyncio.create_task(drain.wait_unless_closed(asyncio.Event().wait()))
    await asyncio.sleep(0)
    drain.close()
    drain.close()  # a second close cancels nothing more
    assert await waiter is False
    assert waiter.cancelling() == 0

    drain = Drain()
    cancelled_too = asyncio.create_task(drain.wait_unless_closed(asyncio.Event().wait()))
    await asyncio.sleep(0)
    cancelled_too.cancel()  # a timeout's cancel, not yet delivered when the drain closes
    drain.close()
    with pytest.raises(asyncio.CancelledError):
        await cancelled_too
