"""Shard claims: each gateway shard runs in exactly one process at a time.

Every replica of one service gets the same environment, so without a claim each would open its
own gateway session of the same shards and handle every event twice. On PostgreSQL a process
claims all of its shards at once with session advisory locks (one per shard) on one connection
it keeps open while running them; one that cannot stands by and retries, and takes over when the
holder's session ends (it died or stopped). All or none: two processes each holding part of the
other's shards would otherwise both wait forever. SQLite is one process: it always runs them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.scheduling.leader import leader_backend

__all__ = [
    "SHARD_LOCK_BASE",
    "AdvisoryShardClaim",
    "shard_claim",
    "shard_lock_id",
]

log = logging.getLogger(__name__)

SHARD_LOCK_BASE = 0x70627368 << 32  # "pbsh" in the high half: shard n's lock is BASE + n
"""Apart from the leader's and the migrations' lock ids (both below 2**32)."""

_MINE = text(
    "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND classid = :high AND pid = pg_backend_pid()"
)


def shard_lock_id(shard: int) -> int:
    """The advisory lock id of one shard."""
    return SHARD_LOCK_BASE + shard


class AdvisoryShardClaim:
    """`pg_try_advisory_lock` per shard on one connection kept open while running them."""

    def __init__(self, engine: AsyncEngine, shards: Sequence[int]) -> None:
        self._engine, self.shards = engine, tuple(sorted(shards))
        self._connection: AsyncConnection | None = None

    async def try_claim(self) -> bool:
        """Lock the shards in order; on the first refused, unlock the ones taken and close
        (a pooled connection outlives `close`, and so would its session's locks)."""
        if self._connection is not None:
            return True
        connection = await self._engine.connect()
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        taken: list[int] = []
        for shard in self.shards:
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": shard_lock_id(shard)}
            )
            if not got:
                await _unlock(connection, taken)
                await connection.close()
                return False
            taken.append(shard)
        self._connection = connection
        return True

    async def still_held(self) -> bool:
        """This session still holds every shard's lock (else PostgreSQL freed them with a
        session that ended: the next `try_claim` starts over)."""
        if self._connection is None:
            return False
        try:
            rows = await self._connection.execute(_MINE, {"high": SHARD_LOCK_BASE >> 32})
            held = {int(objid) - (SHARD_LOCK_BASE & 0xFFFFFFFF) for (objid,) in rows}
        except DBAPIError:  # the session is gone, and its locks with it
            await self._drop()
            return False
        if held.issuperset(self.shards):
            return True
        await self.release()
        return False

    async def held_elsewhere(self) -> bool:
        """Some session holds each shard's lock (`pg_locks`, this database only)."""
        async with self._engine.connect() as connection:
            for shard in self.shards:
                if await leader_backend(connection, shard_lock_id(shard)) is None:
                    return False
        return True

    async def release(self) -> None:
        """Unlock, then close (a pooled connection, and its session's locks, outlive `close`)."""
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):  # a dead session: nothing to unlock
                await _unlock(self._connection, self.shards)
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.close()
        except SQLAlchemyError:
            log.debug("shard claim connection already gone")


async def _unlock(connection: AsyncConnection, shards: Sequence[int]) -> None:
    for shard in shards:
        await connection.execute(
            text("SELECT pg_advisory_unlock(:id)"), {"id": shard_lock_id(shard)}
        )


def shard_claim(engine: AsyncEngine, shards: Sequence[int]) -> AdvisoryShardClaim | None:
    """The claim on PostgreSQL; None on SQLite (one process: it runs its shards at once)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryShardClaim(engine, shards)
    return None
