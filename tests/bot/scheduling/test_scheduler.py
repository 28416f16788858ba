"""The digest scheduler's job bodies, driven by a fixed clock (the scheduler is never started)."""

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.delivery.config import DeliveryConfig
from bot.delivery.runner import RunOutcome
from bot.scheduling.scheduler import DigestScheduler
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

SEOUL, NEW_YORK = ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York")
D1 = date(2024, 9, 19)


@pytest.fixture
async def aps() -> AsyncIterator[AsyncIOScheduler]:
    scheduler = AsyncIOScheduler(timezone="UTC")
    yield scheduler


def make(
    app: App, clock: FixedClock, aps: AsyncIOScheduler, *settings: object
) -> tuple[DigestScheduler, RecordingTransport]:
    transport = RecordingTransport()
    config = DeliveryConfig(destinations=tuple(settings))  # type: ignore[arg-type]
    delivery, _ = wire(app, transport, clock, config=config)
    return DigestScheduler(delivery, aps), transport


async def test_jobs_are_rebuilt_from_data_one_per_destination(
    app: App, clock: FixedClock, aps: AsyncIOScheduler
) -> None:
    scheduler, _ = make(
        app,
        clock,
        aps,
        dest("A"),
        dest("B", schedule="30 8 * * 1-5", timezone="America/New_York"),
        dest("OFF", enabled=False),
    )
    await scheduler.rebuild()
    jobs = {job.id: job for job in aps.get_jobs()}
    assert set(jobs) == {"digest:console:T1:A", "digest:console:T1:B"}
    job = jobs["digest:console:T1:B"]
    assert str(job.trigger.timezone) == "America/New_York"
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 6 * 3600)
    await scheduler.rebuild()
    assert len(aps.get_jobs()) == 2


async def test_catch_up_after_downtime_runs_the_missed_slot_once(
    app: App, clock: FixedClock, aps: AsyncIOScheduler
) -> None:
    await put_day(app, D1, [note(D1, "a")])
    scheduler, transport = make(app, clock, aps, dest("A"))
    # down from Sept 17 to 10:30 on Sept 20 in Seoul: three missed slots coalesce into one
    clock.set(datetime(2024, 9, 20, 10, 30, tzinfo=SEOUL))
    assert await scheduler.catch_up() == {"console:T1:A": RunOutcome.SENT}
    assert transport.texts()[0] == "slot:2024-09-20T09:00: 1 notes, 0 more"
    assert await scheduler.catch_up() == {"console:T1:A": RunOutcome.ALREADY}
    assert await scheduler.fire("console:T1:A") is RunOutcome.ALREADY
    assert len(transport.sent) == 2


async def test_no_catch_up_beyond_the_grace_period(
    app: App, clock: FixedClock, aps: AsyncIOScheduler
) -> None:
    await put_day(app, D1, [note(D1, "a")])
    scheduler, transport = make(app, clock, aps, dest("A"))
    clock.set(datetime(2024, 9, 20, 15, 1, tzinfo=SEOUL))
    assert await scheduler.catch_up() == {"console:T1:A": None}
    assert transport.sent == []
    clock.set(datetime(2024, 9, 21, 9, 0, tzinfo=SEOUL))
    assert await scheduler.fire("console:T1:A") is RunOutcome.SENT


async def test_dst_fall_back_fires_twice_but_posts_once(
    app: App, clock: FixedClock, aps: AsyncIOScheduler
) -> None:
    await put_day(app, D1, [note(D1, "a")])
    scheduler, transport = make(
        app,
        clock,
        aps,
        dest("NY", schedule="30 1 * * *", timezone="America/New_York", empty_message=True),
    )
    first = datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK)  # EDT
    clock.set(first)
    assert await scheduler.fire("console:T1:NY") is RunOutcome.SENT
    clock.set(first + timedelta(hours=1))  # 01:30 EST, the same wall time again
    assert await scheduler.fire("console:T1:NY") is RunOutcome.ALREADY
    clock.set(datetime(2024, 11, 4, 1, 30, tzinfo=NEW_YORK))
    assert await scheduler.fire("console:T1:NY") is RunOutcome.EMPTY
    assert transport.texts() == [
        "slot:2024-11-03T01:30: 1 notes, 0 more",
        "2024-09-19-a | a",
        "slot:2024-11-04T01:30: no new notes",
    ]


async def test_dst_spring_forward_gap_still_posts(
    app: App, clock: FixedClock, aps: AsyncIOScheduler
) -> None:
    scheduler, transport = make(
        app,
        clock,
        aps,
        dest("NY", schedule="30 2 * * *", timezone="America/New_York", empty_message=True),
    )
    clock.set(datetime(2024, 3, 10, 3, 30, tzinfo=NEW_YORK))  # 02:30 never happened
    assert await scheduler.fire("console:T1:NY") is RunOutcome.EMPTY
    assert transport.texts() == ["slot:2024-03-10T03:30: no new notes"]


async def test_stale_runs_are_resumed(app: App, clock: FixedClock, aps: AsyncIOScheduler) -> None:
    await put_day(app, D1, [note(D1, "a")])
    scheduler, transport = make(app, clock, aps, dest("A"))
    ledger = scheduler._delivery.ledger
    await ledger.claim_run(
        "console:T1:A",
        "slot:x",
        trigger="schedule",
        owner="dead",
        now=clock.now(),
        lease=timedelta(seconds=30),
    )
    assert await scheduler.resume_stale() == 0
    clock.advance(timedelta(seconds=31))
    assert await scheduler.resume_stale() == 1
    assert transport.texts()[0] == "slot:x: 1 notes, 0 more"
    assert await scheduler.resume_stale() == 0
