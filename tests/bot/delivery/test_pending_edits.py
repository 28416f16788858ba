"""A note edited or retracted while its run is still being sent ends up corrected.

The gate holds the run between two posts (the header and the first note are out); meanwhile a
re-ingest changes notes already posted and notes not yet posted, and its correction pass runs
while the run is `pending` (so it skips it). When the run closes it settles: every message
shows the notes' current content. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import date

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.models import Note
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)


def shown(transport: RecordingTransport) -> list[str]:
    """What each posted message shows now: its text, or the text of its last edit."""
    latest = {s.ref: s.text for s in transport.sent}
    for ref, text in transport.edits:
        latest[ref] = text
    return [latest[s.ref] for s in transport.sent]


def fixed(title: str) -> Note:
    original = note(DAY, title)
    return Note(key=original.key, day=DAY, title=f"{title} (fixed)")


async def test_a_note_edited_while_its_run_is_pending_is_corrected_when_it_closes(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, "a"), note(DAY, "b"), note(DAY, "c")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    gate = transport.hold_next(dest().key, skip=2)
    run = asyncio.create_task(delivery.runner.run(dest(), "slot:1"))
    await gate.entered.wait()  # header and a are posted; b's reply is being sent

    changed = await put_day(app, DAY, [fixed("a"), note(DAY, "b"), fixed("c")], version="v2")
    assert sorted(changed) == ["2024-09-20-a", "2024-09-20-c"]
    assert (await delivery.corrections.apply(changed)).edited == 0  # the run is pending
    gate.release()
    assert await run is RunOutcome.SENT

    assert shown(transport) == [
        "slot:1: 3 notes, 0 more",
        "2024-09-20-a | a (fixed)",
        "2024-09-20-b | b",
        "2024-09-20-c | c (fixed)",
    ]
    assert len(transport.sent) == 4  # corrected in place, nothing posted again
    assert len(transport.edits) == 2
    assert (await delivery.corrections.apply(changed)).edited == 0  # already settled


async def test_a_note_retracted_while_its_run_is_pending_shows_as_retracted(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, "a"), note(DAY, "b")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    gate = transport.hold_next(dest().key, skip=1)
    run = asyncio.create_task(delivery.runner.run(dest(), "slot:1"))
    await gate.entered.wait()  # the header is posted; a's reply is being sent

    changed = await put_day(app, DAY, [note(DAY, "b")], version="v2")
    assert changed == ["2024-09-20-a"]
    await delivery.corrections.apply(changed)
    gate.release()
    assert await run is RunOutcome.SENT
    assert shown(transport) == [
        "slot:1: 2 notes, 0 more",
        "retracted: 2024-09-20-a",
        "2024-09-20-b | b",
    ]
    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.EMPTY


async def test_an_unchanged_run_settles_without_an_edit(app: App, clock: FixedClock) -> None:
    await put_day(app, DAY, [note(DAY, "a"), note(DAY, "b")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    assert await delivery.runner.run(dest(), "slot:1") is RunOutcome.SENT
    assert transport.edits == []
