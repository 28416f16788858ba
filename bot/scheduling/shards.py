"""Shard claims: each gateway shard runs in exactly one process at a time.

Every replica of one service gets the same environment, so without a claim each would open its
own gateway session of the same shards and handle every event twice. On PostgreSQL a process
claims all of its shards at once with session advisory locks (one per shard) on one connection
it keeps open while running them; one that cannot stands by and retries, and takes over when the
holder's session ends (it died or stopped). All or none: two processes each holding part of the
other's shards would otherwise both wait forever. Shard n of 2 and shard n of 4 cover different
guilds, so a claiming process also holds a shared lock on its shard count, and claims nothing
while a session holds another count's (a deploy changing the count: the old processes run
until they stop); the check and the claim happen under one brief gate lock, so of two processes
with different counts claiming at once one wins. SQLite is one process: it always runs them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.scheduling.advisory import AdvisoryLocks, all_held

__all__ = [
    "SHARD_COUNT_LOCK_BASE",
    "SHARD_GATE_LOCK_ID",
    "SHARD_LOCK_BASE",
    "AdvisoryShardClaim",
    "count_lock_id",
    "shard_claim",
    "shard_lock_id",
]

SHARD_LOCK_BASE = 0x70627368 << 32  # "pbsh" in the high half: shard n's lock is BASE + n
"""Apart from the leader's and the migrations' lock ids (both below 2**32)."""
SHARD_COUNT_LOCK_BASE = 0x70627363 << 32  # "pbsc": count n's shared lock is BASE + n
SHARD_GATE_LOCK_ID = 0x70627367 << 32  # "pbsg": held while checking the count and claiming

_OTHER_COUNT = text(
    "SELECT min(objid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND classid = :high AND objid <> :count"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def shard_lock_id(shard: int) -> int:
    """The advisory lock id of one shard."""
    return SHARD_LOCK_BASE + shard


def count_lock_id(count: int) -> int:
    """The advisory lock id every process claiming shards of `count` holds (shared)."""
    return SHARD_COUNT_LOCK_BASE + count


async def _other_count(connection: AsyncConnection, count: int) -> int | None:
    """A shard count other than `count` some session claims with (`pg_locks`)."""
    found = await connection.scalar(
        _OTHER_COUNT, {"high": SHARD_COUNT_LOCK_BASE >> 32, "count": count}
    )
    return None if found is None else int(found)


class AdvisoryShardClaim:
    """`pg_try_advisory_lock` per shard on one connection kept open while running them."""

    def __init__(self, engine: AsyncEngine, shards: Sequence[int], count: int) -> None:
        self._engine, self.shards, self.count = engine, tuple(sorted(shards)), count
        ids = [shard_lock_id(s) for s in self.shards]
        self._locks = AdvisoryLocks(engine, ids, shared=[count_lock_id(count)])
        self.other_count: int | None = None
        """The shard count another process runs, when that refused the last `try_claim`."""

    async def try_claim(self) -> bool:
        """Under the gate (on a brief connection of its own; taken by another claim this
        instant: refused): no other count's lock, then this count's (shared) and the shards
        in order; on the first refused, unlock the ones taken and close."""
        async with self._engine.connect() as gate:
            gate = await gate.execution_options(isolation_level="AUTOCOMMIT")
            lock = {"id": SHARD_GATE_LOCK_ID}
            if not await gate.scalar(text("SELECT pg_try_advisory_lock(:id)"), lock):
                return False
            try:
                self.other_count = await _other_count(gate, self.count)
                return self.other_count is None and await self._locks.try_lock()
            finally:
                await gate.execute(text("SELECT pg_advisory_unlock(:id)"), lock)

    async def still_held(self) -> bool:
        """This session still holds every shard's lock (else PostgreSQL freed them with a
        session that ended: the next `try_claim` starts over)."""
        return await self._locks.still_held()

    async def held_elsewhere(self) -> bool:
        """Some session holds each shard's lock (`pg_locks`, this database only); while a
        process runs another count, each of that count's shards."""
        async with self._engine.connect() as connection:
            other = await _other_count(connection, self.count)
            shards = self.shards if other is None else range(other)
            return await all_held(connection, [shard_lock_id(s) for s in shards])

    async def release(self) -> None:
        """Unlock, then close (a pooled connection, and its session's locks, outlive `close`)."""
        await self._locks.release()


def shard_claim(
    engine: AsyncEngine, shards: Sequence[int], count: int
) -> AdvisoryShardClaim | None:
    """The claim on PostgreSQL; None on SQLite (one process: it runs its shards at once)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryShardClaim(engine, shards, count)
    return None
