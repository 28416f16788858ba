"""A run that fails after posting some parts keeps the notes it delivered: nothing is posted twice.

The recording transport stands at the port and fails the post of part k (the gate); parts are
the header, then one thread reply per note (the test renderer), so part k > 0 is note k-1's
own message. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

import pytest

from bot.app import App
from bot.delivery.publisher import payload_hash
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.build import RunSnapshot
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)
TITLES = ("a", "b", "c", "d")
REPLIES = [f"2024-09-20-{t} | {t}" for t in TITLES]
LEASE_A = timedelta(seconds=30)


async def fail_at(
    delivery: Delivery, transport: RecordingTransport, part: int, kind: str, key: str = "slot:1"
) -> asyncio.Task[RunOutcome]:
    """Start the run and fail the post of `part` (earlier parts go through)."""
    gate = transport.hold_next(dest().key, skip=part)
    run = asyncio.create_task(delivery.runner.run(dest(), key))
    await gate.entered.wait()
    gate.release(kind)
    return run


@pytest.mark.parametrize("part", [0, 1, 2, 4])
async def test_the_next_digest_posts_exactly_the_notes_a_failed_run_did_not_send(
    app: App, clock: FixedClock, part: int
) -> None:
    await put_day(app, DAY, [note(DAY, t) for t in TITLES])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    run = await fail_at(delivery, transport, part, "channel_not_found")
    assert await run is RunOutcome.FAILED
    assert transport.texts() == ["slot:1: 4 notes, 0 more", *REPLIES][:part]

    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.SENT
    delivered = max(0, part - 1)  # the header lists every note; a note's own reply delivers it
    assert transport.texts()[part:] == [
        f"slot:2: {len(TITLES) - delivered} notes, 0 more",
        *REPLIES[delivered:],
    ]
    replies = Counter(t for t in transport.texts() if not t.startswith("slot:"))
    assert replies == Counter(REPLIES)  # every note's own message once over both runs
    assert await delivery.runner.run(dest(), "slot:3") is RunOutcome.EMPTY


async def test_an_internal_error_mid_run_also_keeps_the_delivered_notes(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, t) for t in TITLES])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    run = await fail_at(delivery, transport, 3, "bug")
    with pytest.raises(ValueError, match="a bug in a transport"):
        await run
    (failed,) = await delivery.ledger.recent_runs()
    assert failed.status == "failed" and failed.error.startswith("internal error")

    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.SENT
    assert transport.texts()[3:] == ["slot:2: 2 notes, 0 more", *REPLIES[2:]]


async def test_a_failed_runs_posted_parts_are_corrected_but_never_completed(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, t) for t in TITLES])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    assert await (await fail_at(delivery, transport, 3, "channel_not_found")) is RunOutcome.FAILED
    edited = [note(DAY, t) for t in TITLES]
    edited[0] = type(edited[0])(key=edited[0].key, day=DAY, title="a (fixed)")
    changed = await put_day(app, DAY, edited, version="v2")
    assert changed == ["2024-09-20-a"]

    report = await delivery.corrections.apply(changed)
    assert (report.edited, report.posted, report.failed) == (1, 0, [])
    ((ref, text),) = transport.edits
    assert (ref, text) == (transport.sent[1].ref, "2024-09-20-a | a (fixed)")
    assert len(transport.sent) == 3  # the parts it never posted are the next digest's


async def test_a_resumed_run_that_fails_keeps_what_either_owner_sent(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, t) for t in TITLES])
    transport = RecordingTransport()
    dying, _ = wire(app, transport, clock, owner="A", lease=LEASE_A)
    claim = await dying.ledger.claim_run(
        dest().key, "slot:1", trigger="schedule", owner="A", now=clock.now(), lease=LEASE_A
    )
    assert claim is not None
    digest = await dying.runner.preview(dest(), "slot:1")
    snapshot = RunSnapshot.of(dest().spec("slot:1"), digest, empty_message=False)
    assert digest is not None and await dying.ledger.assign(claim, snapshot)
    payloads = dying.publisher.route(dest().destination.platform).renderer.render_digest(digest)
    now = clock.now()
    for part_no in range(2):  # A posts the header and a's reply, then dies
        state = await dying.ledger.claim_part(
            claim.id, dest().destination, "slot:1", part_no, payload_hash(payloads[part_no]), now
        )
        ref = await transport.post(dest().destination, payloads[part_no])
        until = clock.now() + LEASE_A
        assert await dying.ledger.mark_sent(state.id, ref, clock.now(), run=claim, until=until)

    clock.advance(LEASE_A + timedelta(seconds=1))
    taker, _ = wire(app, transport, clock, owner="B")
    assert await (await fail_at(taker, transport, 1, "channel_not_found")) is RunOutcome.FAILED
    assert transport.texts() == ["slot:1: 4 notes, 0 more", *REPLIES[:2]]  # B posted b, not c

    assert await taker.runner.run(dest(), "slot:2") is RunOutcome.SENT
    assert transport.texts()[3:] == ["slot:2: 2 notes, 0 more", *REPLIES[2:]]
    assert transport.edits == []  # nothing changed, nothing to settle
