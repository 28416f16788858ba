"""Fenced leases: a slow owner keeps its run, a stalled one loses it and stops, nothing repeats.

Two `Delivery` objects on one database stand for two processes (owners A and B); the gate in
the recording transport holds A in the middle of a send, and the clock is moved by hand.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.commands.channel import ChannelCommands, CommandContext
from bot.delivery.config import DeliveryConfig
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.build import RunSnapshot
from bot.scheduling.scheduler import DigestScheduler
from tests.support.clock import FixedClock
from tests.support.delivery import ManualBeat, dest, note, put_day, wire_with
from tests.support.sleep import VirtualSleep
from tests.support.transport import Gate, RecordingTransport

D1, D2 = date(2024, 9, 19), date(2024, 9, 20)
LEASE = timedelta(minutes=2)
PARTS = ["slot:1: 3 notes, 0 more", "2024-09-19-a | a", "2024-09-19-b | b", "2024-09-19-c | c"]


async def seed(app: App) -> None:
    await put_day(app, D1, [note(D1, "a"), note(D1, "b"), note(D1, "c")])


def process(
    app: App, transport: RecordingTransport, clock: FixedClock, owner: str, beat: ManualBeat
) -> Delivery:
    config = DeliveryConfig(destinations=(dest(),))
    return wire_with(
        app,
        transport,
        clock,
        VirtualSleep(clock),
        config=config,
        owner=owner,
        beat=beat,
        lease=LEASE,
    )


def sent_once(transport: RecordingTransport) -> bool:
    return max(Counter(transport.texts()).values()) == 1


async def test_a_slow_send_keeps_its_lease_while_its_owner_lives(
    app: App, clock: FixedClock
) -> None:
    await seed(app)
    transport = RecordingTransport()
    beat = ManualBeat()
    a, b = process(app, transport, clock, "A", beat), process(app, transport, clock, "B", beat)
    gate = transport.hold_next("console:T1:C1", skip=1)  # A stalls in the send of part 1
    run_a = asyncio.create_task(a.runner.run(dest(), "slot:1"))
    await gate.entered.wait()
    for _ in range(3):  # 3 minutes, longer than the 2-minute lease: the heartbeat renews it
        clock.advance(timedelta(minutes=1))
        await beat.tick()
    assert await b.runner.run(dest(), "slot:1") is RunOutcome.ALREADY
    assert await DigestScheduler(b, AsyncIOScheduler()).resume_stale() == 0
    gate.release()
    assert await run_a is RunOutcome.SENT
    assert transport.texts() == PARTS


@dataclass
class Takeover:
    """A stalled in the send of part 1; its lease ran out; B took the run over and finished it."""

    transport: RecordingTransport
    b: Delivery
    gate: Gate
    run_a: asyncio.Task[RunOutcome]


async def stalled_then_taken_over(app: App, clock: FixedClock) -> Takeover:
    await seed(app)
    transport = RecordingTransport()
    a = process(app, transport, clock, "A", ManualBeat())  # its heartbeat never beats: frozen
    b = process(app, transport, clock, "B", ManualBeat())
    gate = transport.hold_next("console:T1:C1", skip=1)
    run_a = asyncio.create_task(a.runner.run(dest(), "slot:1"))
    await gate.entered.wait()
    clock.advance(LEASE + timedelta(seconds=1))
    assert await b.runner.run(dest(), "slot:1") is RunOutcome.SENT
    return Takeover(transport, b, gate, run_a)


async def test_a_stalled_owner_loses_its_lease_and_stops_before_its_next_send(
    app: App, clock: FixedClock
) -> None:
    """A's hung post times out; A may not retry it, B owns the run: every message goes once."""
    taken = await stalled_then_taken_over(app, clock)
    taken.gate.release("timeout")
    assert await taken.run_a is RunOutcome.LOST
    assert taken.transport.texts() == PARTS
    (run,) = await taken.b.ledger.recent_runs()
    assert (run.status, run.sent_parts, run.parts, run.attempts) == ("sent", 4, 4, 2)


async def test_the_ledger_refuses_the_record_of_an_owner_that_lost_the_run(
    app: App, clock: FixedClock
) -> None:
    """If A's hung post did get through, it is the one message in flight (the crash bound).

    The ledger keeps B's record of that part, and A sends nothing after it.
    """
    taken = await stalled_then_taken_over(app, clock)
    b_part_1 = taken.transport.sent[1].ref
    taken.gate.release()
    assert await taken.run_a is RunOutcome.LOST
    assert taken.transport.texts() == [*PARTS, PARTS[1]]  # only A's in-flight part, once more
    ((_, parts),) = await taken.b.ledger.runs_with_notes(["2024-09-19-a"])
    assert parts[1].ref == b_part_1


async def test_a_process_never_takes_over_a_run_it_is_still_running(
    app: App, clock: FixedClock
) -> None:
    await seed(app)
    transport = RecordingTransport()
    a = process(app, transport, clock, "A", ManualBeat())
    gate = transport.hold_next("console:T1:C1", skip=1)
    run_a = asyncio.create_task(a.runner.run(dest(), "slot:1"))
    await gate.entered.wait()
    clock.advance(LEASE + timedelta(seconds=1))  # its lease ran out: the run looks orphaned
    sweep = DigestScheduler(a, AsyncIOScheduler())
    assert await sweep.resume_stale() == 0
    assert await a.runner.run(dest(), "slot:1") is RunOutcome.ALREADY
    gate.release()
    assert await run_a is RunOutcome.SENT
    assert transport.texts() == PARTS


async def test_digest_now_during_a_slot_sends_no_note_twice(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    a = process(app, transport, clock, "A", ManualBeat())
    commands = ChannelCommands(a)
    admin = CommandContext(dest().destination, "U1", platform_admin=True)
    gate = transport.hold_next("console:T1:C1", skip=1)
    slot = asyncio.create_task(a.runner.run(dest(), "slot:1"))
    await gate.entered.wait()  # the slot took a, b and c and is posting them
    assert [line.key for line in (await commands.now(admin)).lines] == ["channel.run_empty"]
    await put_day(app, D2, [note(D2, "d")])
    clock.advance(timedelta(minutes=1))
    during = await commands.now(admin)
    assert during.ok and [line.key for line in during.lines] == ["channel.run_sent"]
    gate.release()
    assert await slot is RunOutcome.SENT
    assert sent_once(transport)
    assert [t for t in transport.texts() if t.startswith("2024")] == [
        "2024-09-20-d | d",
        *PARTS[1:],
    ]


async def test_two_runs_built_at_once_cannot_both_take_a_note(app: App, clock: FixedClock) -> None:
    """Both build the same digest before either takes it: the second assignment is refused."""
    await seed(app)
    transport = RecordingTransport()
    a = process(app, transport, clock, "A", ManualBeat())
    claims = [
        await a.ledger.claim_run(
            "console:T1:C1", key, trigger="manual", owner="A", now=clock.now(), lease=LEASE
        )
        for key in ("slot:1", "now:1")
    ]
    digest = await a.runner.preview(dest(), "slot:1")
    assert claims[0] is not None and claims[1] is not None and digest is not None
    snapshot = RunSnapshot(note_keys=tuple(n.key for n in digest.notes))
    assert await a.ledger.assign(claims[0], snapshot) is True
    assert await a.ledger.assign(claims[1], snapshot) is False
    assert await a.runner.preview(dest(), "now:1") is None  # nothing left for another run
