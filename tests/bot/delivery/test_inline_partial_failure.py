"""An inline digest that fails at its k-th message keeps exactly the notes its sent messages
hold: the next digest repeats none and drops none.

On the real Slack, Discord and terminal renderers (each packs several notes into a message, and
splits the digest where its platform's limits say), with the transport at the port failing the
post of message k, for every k; on SQLite and PostgreSQL. Each note's commentary carries a
marker only its own entry shows, so where each note went can be read off what was posted.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, Layout, MessageRef, Platform
from bot.payloads import ConsolePayload
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day
from tests.support.real_delivery import real_wire
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)
# Commentary lengths that make Slack pack 3 messages and Discord 5 (several notes in each).
LENGTHS = (2500, 3000, 2500, 2500, 2500, 3000, 200, 1500, 0, 2500, 3000, 1500)
MARKER = re.compile(r"zqmark(\d{3})zq")


class JsonTransport(RecordingTransport):
    """The recording transport, keeping each payload's JSON (what the platform would get)."""

    async def post(
        self,
        destination: Destination,
        payload: Any,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        body = ConsolePayload(json.dumps(payload.to_json(), ensure_ascii=False))
        return await super().post(destination, body, thread=thread, nonce=nonce)


def _inline(platform: Platform, channel: str) -> DestinationSettings:
    destination = Destination(platform, "T1", channel, name=channel)
    return DestinationSettings(destination, layout=Layout.INLINE, backfill=Backfill.ALL)


def _shown(texts: list[str]) -> list[int]:
    """The notes whose entry these messages show (each marker once per entry)."""
    return [int(found) for text in texts for found in MARKER.findall(text)]


async def _stored(app: App) -> None:
    notes = [
        replace(
            note(DAY, f"paper {i}", "rlhf", position=i),
            commentary=f"zqmark{i:03d}zq " + "words of commentary " * (size // 20),
        )
        for i, size in enumerate(LENGTHS)
    ]
    await put_day(app, DAY, notes)


def _wired(app: App, clock: FixedClock) -> tuple[Delivery, JsonTransport]:
    transport = JsonTransport()
    return real_wire(app, transport, clock), transport


async def _fail_at(delivery: Delivery, transport: JsonTransport, settings: Any, k: int) -> None:
    gate = transport.hold_next(settings.key, skip=k)
    run = asyncio.create_task(delivery.runner.run(settings, "slot:1"))
    await asyncio.wait_for(gate.entered.wait(), timeout=30)
    gate.release("channel_not_found")
    assert await run is RunOutcome.FAILED


@pytest.mark.parametrize("platform", list(Platform))
async def test_an_inline_run_failing_at_any_message_repeats_no_note_and_drops_none(
    app: App, clock: FixedClock, platform: Platform
) -> None:
    await _stored(app)
    delivery, transport = _wired(app, clock)
    whole = _inline(platform, "WHOLE")
    assert await delivery.runner.run(whole, "slot:1") is RunOutcome.SENT
    full = transport.texts(whole.key)
    assert _shown(full) == list(range(len(LENGTHS)))  # every entry once, in order
    if platform is not Platform.CONSOLE:
        assert len(full) >= 3 and all(len(_shown([t])) >= 2 for t in full)

    for k in range(len(full)):  # the post of message k fails: the run stops there
        settings = _inline(platform, f"C{k}")
        await _fail_at(delivery, transport, settings, k)
        sent = transport.texts(settings.key)
        assert sent == full[:k]
        assert await delivery.runner.run(settings, "slot:2") is RunOutcome.SENT
        again = transport.texts(settings.key)[k:]
        assert _shown(again) == sorted(set(range(len(LENGTHS))) - set(_shown(sent))), k
        assert Counter(_shown(sent + again)) == Counter(range(len(LENGTHS)))  # each note once
        assert await delivery.runner.run(settings, "slot:3") is RunOutcome.EMPTY
