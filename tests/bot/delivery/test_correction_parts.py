"""Corrections never drop parts silently: a re-render with more parts posts the extra ones (in
the header's thread), one with fewer edits the rest to "merged above", and a part that cannot
be posted is recorded on the run and in the log. Real notes files edited to grow or shrink."""

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.delivery.rebuild import rebuild_run
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.settings import DestinationSettings
from bot.models import Digest, Layout, Platform
from bot.store.deliveries import SqlDeliveryLedger
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

LONG_TAGS = tuple(f"long-topic-name-number-{n}" for n in range(12))
TITLE = "Paper {:02d} on reinforcement learning from human feedback at scale"
SHORT = [Entry(TITLE.format(n), tags=("rl",)) for n in range(25)]
TAGGED = [Entry(TITLE.format(n), tags=LONG_TAGS) for n in range(25)]  # the header needs 3 parts
DISCORD_THREAD = channel(Platform.DISCORD, layout=Layout.THREAD)
SLACK_INLINE = channel(Platform.SLACK, layout=Layout.INLINE)


def _inline(commentary_length: int) -> list[Entry]:
    return [Entry(f"Inline Paper {n}", commentary="가" * commentary_length) for n in range(6)]


async def _posted_run(
    app: App, clock: FixedClock, folder: Path, entries: list[Entry], settings: DestinationSettings
) -> tuple[PayloadTransport, Delivery]:
    write_notes(folder, entries)
    transport = PayloadTransport()
    delivery = real_wire(app, transport, clock)
    await ingest(folder, delivery)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
    return transport, delivery


async def test_a_longer_digest_posts_its_added_parts_in_the_thread(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    transport, delivery = await _posted_run(app, clock, tmp_path, SHORT, DISCORD_THREAD)
    assert len(transport.posted) == 26

    write_notes(tmp_path, TAGGED)
    report = await ingest(tmp_path, delivery)

    expected = RENDERERS[Platform.DISCORD].render_digest(await _digest(app))
    assert len(expected) == 28
    assert (report.posted, report.failed) == (2, [])
    header = transport.posted[0].ref.message_id
    assert [p.thread for p in transport.posted[26:]] == [header, header]
    assert list(transport.shown().values()) == expected  # message by message, in order
    (run,) = await delivery.ledger.recent_runs()
    assert (run.status, run.sent_parts, run.parts, run.error) == ("sent", 28, 28, "")
    again = await ingest(tmp_path, delivery)
    assert (again.edited, again.posted) == (0, 0)


async def test_a_shorter_digest_edits_the_parts_it_no_longer_needs(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    transport, delivery = await _posted_run(app, clock, tmp_path, _inline(2400), SLACK_INLINE)
    assert len(transport.posted) == 2

    write_notes(tmp_path, _inline(20))
    report = await ingest(tmp_path, delivery)

    digest = await _digest(app)
    renderer = RENDERERS[Platform.SLACK]
    (one,) = renderer.render_digest(digest)
    assert (report.edited, report.posted) == (2, 0)
    assert list(transport.shown().values()) == [one, renderer.render_merged(digest)]
    assert "위 메시지에 합쳐졌습니다" in renderer.render_merged(digest).text
    assert len(transport.posted) == 2
    (run,) = await delivery.ledger.recent_runs()
    keys = tuple(note.key for note in digest.notes)
    assert one.notes == keys  # the ledger holds what each edited message holds now
    assert [p.notes for p in await delivery.ledger.parts_of(run.id)] == [keys, ()]

    write_notes(tmp_path, _inline(2400))  # grows again: the merged part shows content again
    report = await ingest(tmp_path, delivery)
    assert (report.edited, report.posted) == (2, 0)
    assert list(transport.shown().values()) == renderer.render_digest(await _digest(app))


async def test_added_parts_that_cannot_be_posted_are_recorded_then_retried(
    app: App, clock: FixedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    transport, delivery = await _posted_run(app, clock, tmp_path, _inline(20), SLACK_INLINE)
    transport.fail_posts = "channel_not_found"

    write_notes(tmp_path, _inline(2400))
    with caplog.at_level(logging.WARNING, logger="bot.delivery.corrections"):
        report = await ingest(tmp_path, delivery)

    assert report.edited == 1 and report.posted == 0
    (failure,) = report.failed
    assert "1 added parts not posted: channel_not_found" in failure
    assert "1 added parts not posted: channel_not_found" in caplog.text
    (run,) = await delivery.ledger.recent_runs()
    assert run.status == "sent"  # its notes stay taken: the next digest does not repeat them
    assert run.error == "correction: 1 added parts not posted: channel_not_found"
    assert await delivery.runner.run(SLACK_INLINE, "slot:2") is RunOutcome.EMPTY

    transport.fail_posts = None
    retried = await delivery.corrections.apply(run.snapshot.note_keys)
    assert (retried.edited, retried.posted) == (0, 1)
    assert list(transport.shown().values()) == RENDERERS[Platform.SLACK].render_digest(
        await _digest(app)
    )


async def test_a_correction_cut_short_is_resumed_like_any_run(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    transport, delivery = await _posted_run(app, clock, tmp_path, SHORT, DISCORD_THREAD)
    transport.stop_after = 27  # the first added part goes out, then the process dies

    write_notes(tmp_path, TAGGED)
    with pytest.raises(asyncio.CancelledError):
        await ingest(tmp_path, delivery)
    (run,) = await delivery.ledger.recent_runs()
    assert run.status == "pending"

    transport.stop_after = None
    taker = real_wire(app, transport, clock, owner="B")
    clock.advance(timedelta(minutes=3))
    assert await taker.runner.run(DISCORD_THREAD, "slot:1", trigger="resume") is RunOutcome.SENT
    assert len(transport.posted) == 28
    assert list(transport.shown().values()) == RENDERERS[Platform.DISCORD].render_digest(
        await _digest(app)
    )


async def _digest(app: App) -> Digest:
    """Run slot:1's digest as the notes stand now (rebuilt from its snapshot)."""
    runs = await SqlDeliveryLedger(app.engine).recent_runs()
    (run,) = [r for r in runs if r.digest_key == "slot:1"]
    return await rebuild_run(app.notes, run.digest_key, run.snapshot)
