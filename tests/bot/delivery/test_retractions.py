"""A note removed from its file: its posted message and the header listing it are edited, on
every platform renderer, through the ledger's stored message references."""

import json
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.delivery.rebuild import rebuild_run
from bot.delivery.runner import RunOutcome
from bot.models import Digest, Layout, Platform
from bot.store.deliveries import SqlDeliveryLedger
from tests.support.clock import FixedClock
from tests.support.discord_validation import discord_payload_errors
from tests.support.real_delivery import (
    RENDERERS,
    Entry,
    PayloadTransport,
    channel,
    ingest,
    real_wire,
    write_notes,
)
from tests.support.slack_validation import slack_payload_errors

NOTES = [
    Entry("First Paper", tags=("rl",)),
    Entry("Second Paper About Retraction", tags=("survey",), commentary="지워질 노트입니다."),
    Entry("Third Paper", tags=("rl", "scaling")),
]
RETRACTED = {"ko": "철회됨", "en": "Retracted"}


def text(payload: Any) -> str:
    return json.dumps(payload.to_json(), ensure_ascii=False)


def errors(platform: Platform, payload: Any) -> list[str]:
    """What the platform would reject in a payload (the terminal accepts any text)."""
    if platform is Platform.SLACK:
        return slack_payload_errors(payload.to_json())
    if platform is Platform.DISCORD:
        return discord_payload_errors(payload.to_json(), "MessageEditRequestPartial")
    return []


@pytest.mark.parametrize("platform", [Platform.SLACK, Platform.DISCORD, Platform.CONSOLE])
async def test_retracted_note_edits_its_message_and_the_header(
    app: App, clock: FixedClock, tmp_path: Path, platform: Platform
) -> None:
    write_notes(tmp_path, NOTES)
    transport = PayloadTransport()
    delivery = real_wire(app, transport, clock)
    await ingest(tmp_path, delivery)
    assert await delivery.runner.run(channel(platform), "slot:1") is RunOutcome.SENT
    header, _, second, _ = transport.posted
    assert "Second Paper About Retraction" in text(header.payload)
    assert "#survey" in text(header.payload)

    write_notes(tmp_path, [NOTES[0], NOTES[2]])
    report = await ingest(tmp_path, delivery)

    assert (report.edited, report.posted, report.failed) == (2, 0, [])
    edited = dict((ref.message_id, payload) for ref, payload in transport.edits)
    assert set(edited) == {header.ref.message_id, second.ref.message_id}
    new_header, own = text(edited[header.ref.message_id]), text(edited[second.ref.message_id])
    assert RETRACTED["ko"] in own
    assert "Second Paper" not in own and "지워질" not in own and "survey" not in own
    assert "Second Paper" not in new_header and "#survey" not in new_header
    assert RETRACTED["ko"] in new_header  # its line is marked, so the numbers 1-3 still match
    assert "First Paper" in new_header and "Third Paper" in new_header
    assert "2편" in new_header  # the title counts the notes still there
    assert [errors(platform, p) for p in edited.values()] == [[], []]
    merged = RENDERERS[platform].render_merged(await _digest(app))
    assert errors(platform, merged) == [] and "위 메시지에 합쳐졌습니다" in text(merged)
    assert len(transport.posted) == 4  # nothing posted again
    assert (await ingest(tmp_path, delivery)).edited == 0  # repeating it edits nothing


async def test_retraction_in_an_inline_digest_edits_the_one_message(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    write_notes(tmp_path, NOTES)
    transport = PayloadTransport()
    delivery = real_wire(app, transport, clock)
    await ingest(tmp_path, delivery)
    settings = channel(Platform.SLACK, layout=Layout.INLINE, locale="en")
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
    (message,) = transport.posted

    write_notes(tmp_path, [NOTES[0], NOTES[2]])
    report = await ingest(tmp_path, delivery)

    assert report.edited == 1
    ((ref, payload),) = transport.edits
    assert ref == message.ref
    shown = text(payload)
    assert RETRACTED["en"] in shown and "Second Paper" not in shown and "지워질" not in shown
    assert "First Paper" in shown and "Third Paper" in shown


async def _digest(app: App) -> Digest:
    (run,) = await SqlDeliveryLedger(app.engine).recent_runs()
    return await rebuild_run(app.notes, run.digest_key, run.snapshot)
