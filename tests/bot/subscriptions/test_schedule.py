"""DM digest jobs: one cron job per distinct daily or weekly plan, following the stored plans;
leading sends what is due and what instant people missed; losing the lead removes the jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.ingest.importer import IngestReport, ingest_paths
from bot.models import Destination, Platform
from bot.scheduling.personal import PersonalScheduler
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import personal_digests_for
from bot.subscriptions.service import SubscriptionService
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day, wire
from tests.support.transport import RecordingTransport

HOME = Destination(Platform.CONSOLE, "T1", "C1")
PEOPLE = [Person(Platform.CONSOLE, "T1", name) for name in ("ann", "bob", "cy", "di")]
PLANS = [
    DeliveryPlan(Cadence.DAILY, "09:00", "Asia/Seoul"),
    DeliveryPlan(Cadence.DAILY, "09:00", "Asia/Seoul"),
    DeliveryPlan(Cadence.WEEKLY, "08:00", "Europe/Berlin"),
    DeliveryPlan(Cadence.INSTANT),
]


def _jobs(scheduler: AsyncIOScheduler) -> list[str]:
    return sorted(job.id for job in scheduler.get_jobs())


async def test_jobs_follow_the_plans_and_the_lead(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    clock.set(datetime(2024, 9, 19, 12, 0, tzinfo=UTC))
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    store = SqlSubscriptionStore(app.engine)
    service = SubscriptionService(store, clock)
    for person, plan in zip(PEOPLE, PLANS, strict=True):
        await service.subscribe(person, "tag:rl", HOME)
        await service.set_plan(person, plan)
    clock.advance(timedelta(minutes=1))
    await put_day(app, date(2024, 9, 19), [note(date(2024, 9, 19), "a", "rl")])
    scheduler = AsyncIOScheduler(timezone=UTC)  # not started: jobs are only listed
    jobs = PersonalScheduler(personal_digests_for(delivery, store), store, scheduler)

    clock.set(datetime(2024, 9, 20, 0, 0, tzinfo=UTC))  # 09:00 in Seoul
    await jobs.activate()
    assert _jobs(scheduler) == [
        "personal-tick",
        "personal:daily:09:00:Asia/Seoul",
        "personal:weekly:08:00:Europe/Berlin",
    ]
    dms = sorted({s.destination for s in transport.sent})
    assert dms == sorted(p.key for p in (PEOPLE[0], PEOPLE[1], PEOPLE[3]))  # not Berlin's yet

    await service.set_plan(PEOPLE[2], DeliveryPlan(Cadence.DAILY, "07:00", "Asia/Seoul"))
    await jobs.tick()
    assert "personal:weekly:08:00:Europe/Berlin" not in _jobs(scheduler)
    assert "personal:daily:07:00:Asia/Seoul" in _jobs(scheduler)

    before = len(transport.sent)
    await jobs.after_ingest(await _ingest(app, tmp_path, "2024-09-20", "b"))
    assert [s.destination for s in transport.sent[before:]] == [PEOPLE[3].key] * 2  # instant
    jobs.deactivate()
    assert _jobs(scheduler) == []
    before = len(transport.sent)
    await jobs.after_ingest(await _ingest(app, tmp_path, "2024-09-21", "c"))
    assert len(transport.sent) == before  # no longer leading: no DM


async def _ingest(app: App, folder: Path, day: str, title: str) -> IngestReport:
    path = folder / f"{day}.txt"
    path.write_text(f"{day}\n{title}\n노트입니다.\n#rl\n", encoding="utf-8")
    report = await ingest_paths([path], app.notes, app.clock)
    assert report.total("added") == 1
    return report
