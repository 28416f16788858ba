"""Corrections edit posted messages in place; retractions become a short note."""

from datetime import date

from bot.app import App
from bot.delivery.runner import RunOutcome
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)


async def test_edited_note_edits_its_message_not_a_new_post(app: App, clock: FixedClock) -> None:
    await put_day(app, DAY, [note(DAY, "a"), note(DAY, "b")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(), "slot:1")
    edited_b = note(DAY, "b")
    edited_b = type(edited_b)(key=edited_b.key, day=DAY, title="b (fixed title)")
    changed = await put_day(app, DAY, [note(DAY, "a"), edited_b], version="v2")
    assert changed == ["2024-09-20-b"]

    report = await delivery.corrections.apply(changed)
    assert report.edited == 1 and report.failed == []
    ((ref, text),) = transport.edits
    assert ref == transport.sent[2].ref
    assert text == "2024-09-20-b | b (fixed title)"
    assert len(transport.sent) == 3  # nothing posted again
    assert (await delivery.corrections.apply(changed)).edited == 0  # repeat: nothing to do
    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.EMPTY


async def test_retracted_note_gets_a_short_retracted_note(app: App, clock: FixedClock) -> None:
    await put_day(app, DAY, [note(DAY, "a"), note(DAY, "b")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest("C1"), "slot:1")
    await delivery.runner.run(dest("C2"), "slot:1")
    changed = await put_day(app, DAY, [note(DAY, "b")], version="v2")
    assert changed == ["2024-09-20-a"]

    report = await delivery.corrections.apply(changed)
    assert report.edited == 2  # the message in each channel
    assert {text for _, text in transport.edits} == {"retracted: 2024-09-20-a"}
    assert {ref.channel for ref, _ in transport.edits} == {"C1", "C2"}


async def test_unposted_notes_need_no_edit(app: App, clock: FixedClock) -> None:
    await put_day(app, DAY, [note(DAY, "a")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    changed = await put_day(app, DAY, [], version="v2")
    assert (await delivery.corrections.apply(changed)).edited == 0
    assert transport.edits == []
