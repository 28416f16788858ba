"""Digest jobs on APScheduler 3.11: one cron job per destination, rebuilt from data.

Jobs live in the in-memory job store and are rebuilt from config and the database at start and
whenever a destination changes: nothing is pickled. A job asks the ledger to run its slot, so a
catch-up at start, a misfire, or a second replica can never post a slot twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.cron import latest_slot, next_fire_times, slot_key
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.settings import DestinationSettings

__all__ = ["DIGEST_JOB_PREFIX", "DigestScheduler"]

log = logging.getLogger(__name__)

DIGEST_JOB_PREFIX = "digest:"
RESUME_JOB_ID = "resume-stale-runs"


class DigestScheduler:
    """Owns the digest jobs of a leader process; `activate` and `deactivate` follow leadership."""

    def __init__(
        self,
        delivery: Delivery,
        scheduler: AsyncIOScheduler,
        *,
        grace: timedelta | None = None,
        resume_every: float = 30.0,
    ) -> None:
        self._delivery, self._scheduler = delivery, scheduler
        seconds = delivery.config.misfire_grace_seconds
        self._grace = grace if grace is not None else timedelta(seconds=seconds)
        self._resume_every = resume_every

    async def activate(self) -> None:
        """Become the process that posts: build the jobs, catch up, then resume orphaned runs
        (at once: a stopping leader hands its unfinished runs back for that, and every
        `resume_every` seconds from then on)."""
        await self.rebuild()
        self._scheduler.add_job(
            self.resume_stale,
            "interval",
            seconds=self._resume_every,
            id=RESUME_JOB_ID,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
        await self.catch_up()
        await self.resume_stale()

    def deactivate(self) -> None:
        """Stop posting (leadership lost): remove every digest job."""
        for job in self._scheduler.get_jobs():
            if job.id.startswith(DIGEST_JOB_PREFIX) or job.id == RESUME_JOB_ID:
                job.remove()

    async def rebuild(self) -> None:
        """Replace the digest jobs with one per enabled destination, from current data."""
        wanted = {s.key: s for s in await self._delivery.catalog.all() if s.enabled}
        for job in self._scheduler.get_jobs():
            if (
                job.id.startswith(DIGEST_JOB_PREFIX)
                and job.id[len(DIGEST_JOB_PREFIX) :] not in wanted
            ):
                job.remove()
        for key, settings in wanted.items():
            self._schedule(key, settings)

    def _schedule(self, key: str, settings: DestinationSettings) -> None:
        """Add the job, or replace it when its trigger changed (an unchanged one keeps its turn)."""
        job_id, trigger = DIGEST_JOB_PREFIX + key, settings.trigger()
        existing = self._scheduler.get_job(job_id)
        if existing is not None:
            if repr(existing.trigger) == repr(trigger):
                return
            existing.remove()
        self._scheduler.add_job(
            self.fire,
            trigger,
            args=[key],
            id=job_id,
            name=f"digest to {key}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(self._grace.total_seconds())),  # None would mean no limit
        )

    async def fire(self, key: str) -> RunOutcome | None:
        """The job body: run the destination's current slot (None when there is none)."""
        settings = await self._delivery.catalog.get(key)
        if settings is None:
            return None
        return await self._run_latest(settings)

    async def _run_latest(self, settings: DestinationSettings) -> RunOutcome | None:
        now = self._delivery.clock.now()
        slot = latest_slot(settings.trigger(), now, self._grace)
        if slot is None:
            return None
        key = slot_key(slot, ZoneInfo(settings.destination.timezone))
        return await self._delivery.runner.run(settings, key, trigger="schedule")

    async def catch_up(self) -> dict[str, RunOutcome | None]:
        """At start: each destination's latest slot within the grace period runs, once."""
        settings = [s for s in await self._delivery.catalog.all() if s.enabled]
        results = await asyncio.gather(
            *(self._run_latest(s) for s in settings), return_exceptions=True
        )
        outcomes: dict[str, RunOutcome | None] = {}
        for s, result in zip(settings, results, strict=True):
            if isinstance(result, BaseException):
                log.error("catch-up of %s failed: %r", s.key, result)
                result = None
            outcomes[s.key] = result
        return outcomes

    async def resume_stale(self) -> int:
        """Take over runs whose owner died mid fan-out (lease ran out); returns how many.

        A run this process is still sending is not taken over (the runner answers ALREADY).
        """
        stale = await self._delivery.ledger.stale_runs(self._delivery.clock.now())
        jobs = []
        for dest_key, digest_key in stale:
            settings = await self._delivery.catalog.get(dest_key)
            if settings is not None:
                jobs.append(self._delivery.runner.run(settings, digest_key, trigger="resume"))
        resumed = 0
        for result in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(result, BaseException):
                log.error("resuming a run failed: %r", result)
            elif result is not RunOutcome.ALREADY:
                resumed += 1
        return resumed

    def upcoming(self, settings: DestinationSettings, count: int = 3) -> list[str]:
        """The next slot keys of a destination, for `channel show` and previews."""
        tz = ZoneInfo(settings.destination.timezone)
        now = self._delivery.clock.now()
        times = next_fire_times(settings.trigger(), now, count)
        return [slot_key(t, tz) for t in times]
