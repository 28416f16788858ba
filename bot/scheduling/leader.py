"""Leader election: exactly one process runs the digest jobs.

On PostgreSQL the leader holds a session advisory lock on a dedicated connection; when the
leader dies its connection closes, PostgreSQL frees the lock, and the next follower poll takes
it. SQLite is one process by nature, so it always leads.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.scheduling.advisory import AdvisoryLocks, lock_holder

__all__ = [
    "AdvisoryLeaderLock",
    "LeaderElection",
    "LeaderLock",
    "LocalLeaderLock",
    "leader_backend",
    "leader_lock",
    "somebody_leads",
]

log = logging.getLogger(__name__)

LEADER_LOCK_ID = 0x70626C64  # "pbld": the scheduler leader's advisory lock


class LeaderLock(Protocol):
    """A lock at most one process holds."""

    async def try_acquire(self) -> bool:
        """Take the lock if free; never waits."""
        ...

    async def still_held(self) -> bool:
        """Whether this process still holds it (its session is alive)."""
        ...

    async def release(self) -> None:
        """Give it up."""
        ...


class LocalLeaderLock:
    """SQLite: the only process is the leader."""

    async def try_acquire(self) -> bool:
        """Always granted."""
        return True

    async def still_held(self) -> bool:
        """Always held."""
        return True

    async def release(self) -> None:
        """Nothing to release."""


class AdvisoryLeaderLock:
    """`pg_try_advisory_lock` on one connection kept open while leading."""

    def __init__(self, engine: AsyncEngine, lock_id: int = LEADER_LOCK_ID) -> None:
        self._locks = AdvisoryLocks(engine, [lock_id])

    async def try_acquire(self) -> bool:
        """Open a connection and try the lock; keep the connection only when it was granted."""
        return await self._locks.try_lock()

    async def still_held(self) -> bool:
        """A live session still holds its advisory lock."""
        return await self._locks.still_held()

    async def release(self) -> None:
        """Unlock and close (closing alone would free it too)."""
        await self._locks.release()


async def leader_backend(connection: AsyncConnection, lock_id: int = LEADER_LOCK_ID) -> int | None:
    """The PostgreSQL backend pid of the session holding the leader lock; None: nobody leads."""
    return await lock_holder(connection, lock_id)


async def somebody_leads(engine: AsyncEngine) -> bool:
    """For readiness: some replica (this one or another) holds the leader lock right now.

    A follower is only worth serving while a leader posts the digests; when the leader dies the
    lock frees as soon as PostgreSQL sees its session close, and a follower takes it at its next
    poll, so the gap this reports is that takeover. SQLite is one process: it leads itself.

    Raises:
        DBAPIError: the database does not answer (the check then fails, as it should).
    """
    if engine.dialect.name != "postgresql":
        return True
    async with engine.connect() as connection:
        return await leader_backend(connection) is not None


def leader_lock(engine: AsyncEngine) -> LeaderLock:
    """The lock that fits the database."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLeaderLock(engine)
    return LocalLeaderLock()


class LeaderElection:
    """Polled by an interval job: a follower tries the lock, a leader checks it still holds it."""

    def __init__(
        self,
        lock: LeaderLock,
        *,
        on_elected: Callable[[], Awaitable[None]],
        on_deposed: Callable[[], None],
    ) -> None:
        self._lock, self._on_elected, self._on_deposed = lock, on_elected, on_deposed
        self.leading = False

    async def tick(self) -> bool:
        """One poll; returns whether this process leads afterwards."""
        if self.leading and not await self._lock.still_held():
            log.warning("lost scheduler leadership")
            self.leading = False
            self._on_deposed()
        elif not self.leading and await self._lock.try_acquire():
            log.info("became scheduler leader")
            self.leading = True
            await self._on_elected()
        return self.leading

    async def resign(self) -> None:
        """On shutdown: stop leading so a follower takes over at its next poll."""
        if self.leading:
            self.leading = False
            self._on_deposed()
        await self._lock.release()
