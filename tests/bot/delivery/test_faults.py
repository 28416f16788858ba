"""Fault injection: 30% of sends fail at random (429, 5xx, timeouts, resets) over several slots."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.delivery.config import DeliveryConfig
from bot.delivery.runner import RunOutcome
from bot.scheduling.scheduler import DigestScheduler
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

SEOUL = ZoneInfo("Asia/Seoul")
DESTINATIONS = 12
SLOTS = 3


async def test_random_failures_still_give_exactly_one_digest_per_slot(
    app: App, clock: FixedClock
) -> None:
    transport = RecordingTransport(fail_rate=0.3, seed=7)
    settings = tuple(dest(f"C{i:02d}") for i in range(DESTINATIONS))
    delivery, _ = wire(
        app, transport, clock, config=DeliveryConfig(destinations=settings), max_attempts=10
    )
    scheduler = DigestScheduler(delivery, AsyncIOScheduler(timezone="UTC"))
    for n in range(SLOTS):
        day = date(2024, 9, 20 + n)
        await put_day(app, day, [note(day, f"p{n}a"), note(day, f"p{n}b")])
        clock.set(datetime(2024, 9, 20 + n, 9, 0, tzinfo=SEOUL))
        outcomes = await asyncio.gather(*(scheduler.fire(s.key) for s in settings))
        assert outcomes == [RunOutcome.SENT] * DESTINATIONS
        # a replayed fire (misfire, second replica) changes nothing
        assert set(await asyncio.gather(*(scheduler.fire(s.key) for s in settings))) == {
            RunOutcome.ALREADY
        }

    assert sum(transport.failures.values()) > 0.2 * len(transport.sent)
    assert set(transport.failures) == {"429", "500", "timeout", "connection"}
    per_message = Counter((s.destination, s.text) for s in transport.sent)
    assert max(per_message.values()) == 1, "a message was sent twice"
    for s in settings:
        headers = [t for t in transport.texts(s.key) if not t.startswith("2024")]
        assert headers == [f"slot:2024-09-{20 + n}T09:00: 2 notes, 0 more" for n in range(SLOTS)]
        assert len(transport.texts(s.key)) == SLOTS * 3
    runs = await delivery.ledger.recent_runs(limit=100)
    assert Counter(r.status for r in runs) == {"sent": DESTINATIONS * SLOTS}
