"""PostgreSQL session advisory locks held on one connection kept open while they are held.

The leader's lock and each process's shard claim are both this: `pg_try_advisory_lock` on a
connection of its own, all of the lock ids or none, kept until released or until the session
ends (the process died or its connection dropped), when PostgreSQL frees them for the next try.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["AdvisoryLocks", "all_held", "lock_holder"]

log = logging.getLogger(__name__)

_LOW = 0xFFFFFFFF

# A one-bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits)
# and objsubid 1.
_MINE = text(
    "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND objsubid = 1 AND pid = pg_backend_pid()"
)
_HOLDER = text(  # the lock is per database: only this database's holder counts
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :high AND objid = :low AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def lock_holder(connection: AsyncConnection, lock_id: int) -> int | None:
    """The backend pid of the session holding advisory lock `lock_id`; None: nobody."""
    pid = await connection.scalar(_HOLDER, {"high": lock_id >> 32, "low": lock_id & _LOW})
    return None if pid is None else int(pid)


async def all_held(connection: AsyncConnection, lock_ids: Sequence[int]) -> bool:
    """Some session (any, this one included) holds each of `lock_ids`, this database only."""
    for lock_id in lock_ids:
        if await lock_holder(connection, lock_id) is None:
            return False
    return True


class AdvisoryLocks:
    """`pg_try_advisory_lock` per id, in order, on one connection kept open while held."""

    def __init__(
        self, engine: AsyncEngine, lock_ids: Sequence[int], shared: Sequence[int] = ()
    ) -> None:
        """`shared`: ids also held, in shared mode (never refused: nobody takes them alone)."""
        self._engine, self.lock_ids, self.shared = engine, tuple(lock_ids), tuple(shared)
        self._connection: AsyncConnection | None = None

    async def try_lock(self) -> bool:
        """Take every lock, never waiting; on the first refused, unlock the ones taken and
        close (a pooled connection outlives `close`, and so would its session's locks)."""
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for lock_id in self.shared:
            await connection.execute(text("SELECT pg_advisory_lock_shared(:id)"), {"id": lock_id})
        taken: list[int] = []
        for lock_id in self.lock_ids:
            if not await connection.scalar(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id}
            ):
                await _unlock(connection, taken, self.shared)
                await connection.close()
                return False
            taken.append(lock_id)
        self._connection = connection
        return True

    async def still_held(self) -> bool:
        """This session still holds every lock (else PostgreSQL freed them with a session that
        ended, and the connection is let go: the next `try_lock` starts over)."""
        if self._connection is None:
            return False
        try:
            rows = await self._connection.execute(_MINE)
            held = {(int(high) << 32) | int(low) for high, low in rows}
        except DBAPIError:  # the session is gone, and its locks with it
            await self._drop()
            return False
        if held.issuperset(self.lock_ids + self.shared):
            return True
        await self.release()
        return False

    async def release(self) -> None:
        """Unlock, then close (a pooled connection, and its session's locks, outlive `close`)."""
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):  # a dead session: nothing to unlock
                await _unlock(self._connection, self.lock_ids, self.shared)
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.close()
        except SQLAlchemyError:
            log.debug("advisory lock connection already gone")


async def _unlock(
    connection: AsyncConnection, lock_ids: Sequence[int], shared: Sequence[int] = ()
) -> None:
    for lock_id in lock_ids:
        await connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
    for lock_id in shared:
        await connection.execute(text("SELECT pg_advisory_unlock_shared(:id)"), {"id": lock_id})
