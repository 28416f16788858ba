"""The digest service of one process: leader election, then the leader's digest jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.service import Delivery
from bot.scheduling.leader import LeaderElection, LeaderLock, leader_lock
from bot.scheduling.scheduler import DigestScheduler

__all__ = ["DigestService", "serve_digests"]

ELECTION_JOB_ID = "leader-election"


class DigestService:
    """Every process polls the leader lock; only the leader has digest jobs.

    A follower polls every `poll_seconds` (default 10), so it takes over within that time plus
    the moment PostgreSQL needs to see the dead leader's connection close.
    """

    def __init__(
        self, delivery: Delivery, *, poll_seconds: float = 10.0, resume_every: float = 30.0
    ) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.digests = DigestScheduler(delivery, self.scheduler, resume_every=resume_every)
        self._poll = poll_seconds
        self.election: LeaderElection | None = None
        self._duties: list[tuple[Callable[[], Awaitable[None]], Callable[[], None]]] = [
            (self.digests.activate, self.digests.deactivate)
        ]

    def also_lead(
        self, activate: Callable[[], Awaitable[None]], deactivate: Callable[[], None]
    ) -> None:
        """Another duty of the leader (the DM digest jobs), started after the digest jobs."""
        self._duties.append((activate, deactivate))

    async def _elected(self) -> None:
        for activate, _ in self._duties:
            await activate()

    def _deposed(self) -> None:
        for _, deactivate in self._duties:
            deactivate()

    def start(self, lock: LeaderLock) -> None:
        """Start the scheduler (inside the running loop) and poll the lock at once."""
        self.election = LeaderElection(lock, on_elected=self._elected, on_deposed=self._deposed)
        self.scheduler.start()
        self.scheduler.add_job(
            self.election.tick,
            "interval",
            seconds=self._poll,
            id=ELECTION_JOB_ID,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
        )

    async def stop(self) -> None:
        """Resign leadership (a follower takes over at its next poll), then stop the jobs."""
        if self.election is not None:
            await self.election.resign()
        self.scheduler.shutdown(wait=False)

    async def destinations_changed(self) -> None:
        """A destination was set from chat: rebuild the jobs if this process leads."""
        if self.election is not None and self.election.leading:
            await self.digests.rebuild()


async def serve_digests(
    delivery: Delivery,
    stop: asyncio.Event,
    *,
    lock: LeaderLock | None = None,
    poll_seconds: float = 10.0,
    resume_every: float = 30.0,
) -> None:
    """Run the digest service until `stop` is set."""
    service = DigestService(delivery, poll_seconds=poll_seconds, resume_every=resume_every)
    service.start(lock or leader_lock(delivery.engine))
    try:
        await stop.wait()
    finally:
        await service.stop()
