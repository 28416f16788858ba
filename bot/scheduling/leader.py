"""Leader election: exactly one process runs the digest jobs.

On PostgreSQL the leader holds a session advisory lock on a dedicated connection; when the
leader dies its connection closes, PostgreSQL frees the lock, and the next follower poll takes
it. SQLite is one process by nature, so it always leads.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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

_HOLDER = text(
    # A one-bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32
    # bits) and objsubid 1; the lock is per database, so only this database's holder counts.
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :high AND objid = :low AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


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
        self._engine, self._lock_id = engine, lock_id
        self._connection: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        """Open a connection and try the lock; keep the connection only when it was granted."""
        connection = await self._engine.connect()
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        got = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:id)"), {"id": self._lock_id}
        )
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def still_held(self) -> bool:
        """A live session still holds its advisory lock."""
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        """Unlock and close (closing alone would free it too)."""
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": self._lock_id}
                )
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except DBAPIError:
                log.debug("leader connection already gone")


async def leader_backend(connection: AsyncConnection, lock_id: int = LEADER_LOCK_ID) -> int | None:
    """The PostgreSQL backend pid of the session holding the leader lock; None: nobody leads."""
    pid = await connection.scalar(_HOLDER, {"high": lock_id >> 32, "low": lock_id & 0xFFFFFFFF})
    return None if pid is None else int(pid)


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
