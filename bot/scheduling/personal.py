"""DM digest jobs on the leader's APScheduler: one cron job per distinct daily or weekly plan
(cadence, local time, zone), not one per person, rebuilt from the stored plans.

Like channel digests, a job asks the ledger: a catch-up at start, a misfire, a second replica or
a job of another plan group firing at the same moment can never send a person's slot twice.
Instant digests go out after each ingest that stored new notes, and at activation (notes read in
while another process led).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.digest.personal import Cadence, DeliveryPlan
from bot.ingest.importer import IngestReport
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import PersonalDigests

__all__ = ["PERSONAL_JOB_PREFIX", "PersonalScheduler"]

log = logging.getLogger(__name__)

PERSONAL_JOB_PREFIX = "personal:"
TICK_JOB_ID = "personal-tick"


def _job_id(plan: DeliveryPlan) -> str:
    return f"{PERSONAL_JOB_PREFIX}{plan.cadence.value}:{plan.at}:{plan.timezone}"


class PersonalScheduler:
    """Owns the DM digest jobs while this process leads."""

    def __init__(
        self,
        personal: PersonalDigests,
        store: SqlSubscriptionStore,
        scheduler: AsyncIOScheduler,
        *,
        grace_seconds: int = 6 * 3600,
        tick_every: float = 30.0,
    ) -> None:
        self._personal, self._store, self._scheduler = personal, store, scheduler
        self._grace, self._tick_every = grace_seconds, tick_every
        self.leading = False

    async def activate(self) -> None:
        """Lead: build the jobs, send what is due (catch-up), and what instant people missed."""
        self.leading = True
        await self.rebuild()
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self._tick_every,
            id=TICK_JOB_ID,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        await self._personal.send_due()
        await self._personal.send_instant()

    def deactivate(self) -> None:
        """Stop sending DMs (leadership lost): remove every DM job."""
        self.leading = False
        for job in self._scheduler.get_jobs():
            if job.id.startswith(PERSONAL_JOB_PREFIX) or job.id == TICK_JOB_ID:
                job.remove()

    async def rebuild(self) -> None:
        """One cron job per distinct daily or weekly plan; jobs of plans no one has go."""
        plans = {
            _job_id(p): p
            for p in (await self._store.plans()).values()
            if p.cadence is not Cadence.INSTANT
        }
        for job in self._scheduler.get_jobs():
            if job.id.startswith(PERSONAL_JOB_PREFIX) and job.id not in plans:
                job.remove()
        for job_id, plan in plans.items():
            if self._scheduler.get_job(job_id) is None:
                self._scheduler.add_job(
                    self._personal.send_due,
                    plan.trigger(),
                    id=job_id,
                    name=f"DM digests {plan.cadence.value} {plan.at} {plan.timezone}",
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=max(1, self._grace),
                )

    async def tick(self) -> None:
        """Every half minute: pick up plans changed from chat (here or on a replica) and
        resume DM runs whose owner died."""
        await self.rebuild()
        await self._personal.resume_stale()

    async def after_ingest(self, report: IngestReport) -> None:
        """Instant DMs for an ingest that stored new notes (only while leading)."""
        if self.leading and report.total("added"):
            outcomes = await self._personal.send_instant()
            if outcomes:
                log.info("instant DM digests after an ingest: %s", outcomes)
