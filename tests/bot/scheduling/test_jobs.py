"""The ingest job edits posted messages when a notes file is edited or loses a note."""

from pathlib import Path

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.scheduling.jobs import ingest_and_correct
from tests.support.clock import FixedClock
from tests.support.delivery import dest, wire
from tests.support.transport import RecordingTransport

FILE = """2024년 9월 20일
First Paper Title
(Alice Kim)
{first}
#rl
Second Paper Title
(Bob Lee)
두 번째 논문에 대한 코멘트입니다.
#scaling
"""


async def test_edit_then_retract_through_ingest(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    notes_file = tmp_path / "2024-09-20.txt"
    notes_file.write_text(FILE.format(first="첫 코멘트."), encoding="utf-8")
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await ingest_and_correct([tmp_path], delivery)
    assert await delivery.runner.run(dest(), "slot:1") is RunOutcome.SENT
    first_reply = transport.sent[1].ref

    notes_file.write_text(FILE.format(first="고친 코멘트."), encoding="utf-8")
    report, corrections = await ingest_and_correct([tmp_path], delivery)
    assert report.changed_keys == ["2024-09-20-first-paper-title"]
    assert corrections.edited == 1
    assert transport.edits[-1] == (
        first_reply,
        "2024-09-20-first-paper-title | First Paper Title | 고친 코멘트.",
    )

    second_only = FILE.split("First Paper Title")[0] + "Second" + FILE.split("Second", 1)[1]
    notes_file.write_text(second_only, encoding="utf-8")
    _, corrections = await ingest_and_correct([tmp_path], delivery)
    assert corrections.edited == 1
    assert transport.edits[-1] == (first_reply, "retracted: 2024-09-20-first-paper-title")
    assert len(transport.sent) == 3  # never posted again
