"""Shard claims: each gateway shard runs in exactly one process at a time.

Every replica of one service gets the same environment, so without a claim each would open its
own gateway session of the same shards and handle every event twice. On PostgreSQL a process
claims all of its shards at once with session advisory locks (one per shard) on one connection
it keeps open while running them; one that cannot stands by and retries, and takes over when the
holder's session ends (it died or stopped). All or none: two processes each holding part of the
other's shards would otherwise both wait forever. SQLite is one process: it always runs them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling.advisory import AdvisoryLocks

__all__ = [
    "SHARD_LOCK_BASE",
    "AdvisoryShardClaim",
    "shard_claim",
    "shard_lock_id",
]

SHARD_LOCK_BASE = 0x70627368 << 32  # "pbsh" in the high half: shard n's lock is BASE + n
"""Apart from the leader's and the migrations' lock ids (both below 2**32)."""


def shard_lock_id(shard: int) -> int:
    """The advisory lock id of one shard."""
    return SHARD_LOCK_BASE + shard


class AdvisoryShardClaim:
    """`pg_try_advisory_lock` per shard on one connection kept open while running them."""

    def __init__(self, engine: AsyncEngine, shards: Sequence[int]) -> None:
        self.shards = tuple(sorted(shards))
        self._locks = AdvisoryLocks(engine, [shard_lock_id(s) for s in self.shards])

    async def try_claim(self) -> bool:
        """Lock the shards in order; on the first refused, unlock the ones taken and close."""
        return await self._locks.try_lock()

    async def still_held(self) -> bool:
        """This session still holds every shard's lock (else PostgreSQL freed them with a
        session that ended: the next `try_claim` starts over)."""
        return await self._locks.still_held()

    async def held_elsewhere(self) -> bool:
        """Some session holds each shard's lock (`pg_locks`, this database only)."""
        return await self._locks.held_elsewhere()

    async def release(self) -> None:
        """Unlock, then close (a pooled connection, and its session's locks, outlive `close`)."""
        await self._locks.release()


def shard_claim(engine: AsyncEngine, shards: Sequence[int]) -> AdvisoryShardClaim | None:
    """The claim on PostgreSQL; None on SQLite (one process: it runs its shards at once)."""
    if engine.dialect.name == "postgresql":
        return AdvisoryShardClaim(engine, shards)
    return None
