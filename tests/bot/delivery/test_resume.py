"""A resumed run is the run that was claimed: it is rebuilt from the snapshot stored with it.

Each test claims a run and sends part of it (the task is cancelled mid-send, as a killed process
would leave it), changes what today's settings or notes files say, then lets another process
take the run over: the parts it sends are exactly the rest of the original render.
"""

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.models import Digest, Layout
from tests.support.clock import FixedClock
from tests.support.real_delivery import (
    RENDERERS,
    Entry,
    PayloadTransport,
    channel,
    ingest,
    real_wire,
    write_notes,
)

LEASE = timedelta(seconds=30)
NOTES = [
    Entry("First Paper", tags=("rl",)),
    Entry("Second Paper", tags=("survey",)),
    Entry("Third Paper", tags=("rl", "scaling")),
]


async def _crash_after(
    app: App, clock: FixedClock, settings: object, sent: int
) -> PayloadTransport:
    """Run slot:1 as process A until `sent` messages are out, then cancel it mid-send."""
    transport = PayloadTransport(stop_after=sent)
    dying = real_wire(app, transport, clock, owner="A", lease=LEASE)
    with pytest.raises(asyncio.CancelledError):
        await dying.runner.run(settings, "slot:1")  # type: ignore[arg-type]
    assert len(transport.posted) == sent
    return transport


async def test_resume_sends_the_rest_of_the_original_render(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    write_notes(tmp_path, NOTES)
    original = channel(locale="ko", layout=Layout.THREAD)
    delivery = real_wire(app, PayloadTransport(), clock)
    await ingest(tmp_path, delivery)
    digest = await delivery.runner.preview(original, "slot:1", dry_run=True)
    assert digest is not None
    expected = RENDERERS[original.destination.platform].render_digest(digest)
    assert len(expected) == 4  # header + one reply per note

    first = await _crash_after(app, clock, original, sent=2)

    # Meanwhile the channel's settings change and the notes file is reordered.
    changed = original.with_changes(
        layout=Layout.INLINE, locale="en", filter_text="tag:survey", max_entries=1
    )
    write_notes(tmp_path, list(reversed(NOTES)))
    await ingest(tmp_path, delivery)

    second = PayloadTransport()
    taker = real_wire(app, second, clock, owner="B", lease=LEASE)
    clock.advance(LEASE + timedelta(seconds=1))
    assert await taker.runner.run(changed, "slot:1") is RunOutcome.SENT
    assert [p.payload for p in first.posted + second.posted] == expected  # none twice, none lost
    header = first.posted[0].ref.message_id
    assert [p.thread for p in second.posted] == [header, header]
    (run,) = await taker.ledger.recent_runs()
    assert (run.status, run.sent_parts, run.parts, run.notes) == ("sent", 4, 4, 3)


async def test_resume_keeps_the_snapshot_of_an_empty_run(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    """An empty run that posts its "no new notes" line posts it even if the setting changed."""
    settings = channel(empty_message=True)
    first = await _crash_after(app, clock, settings, sent=0)
    assert first.posted == []

    second = PayloadTransport()
    taker = real_wire(app, second, clock, owner="B", lease=LEASE)
    clock.advance(LEASE + timedelta(seconds=1))
    quiet = replace(settings, empty_message=False)
    assert await taker.runner.run(quiet, "slot:1") is RunOutcome.EMPTY
    (posted,) = second.posted
    empty = Digest(key="slot:1", days=(), locale="ko")
    assert [posted.payload] == RENDERERS[settings.destination.platform].render_digest(empty)
