"""Shard claims against a real PostgreSQL: all of a process's shards or none, freed on release
and when the holder's session dies; SQLite always runs its shards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling.leader import LEADER_LOCK_ID
from bot.scheduling.shards import AdvisoryShardClaim, shard_claim, shard_lock_id
from bot.store.engine import make_engine


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    yield engine
    await engine.dispose()


async def test_a_claim_takes_all_its_shards_or_none(pg_engine: AsyncEngine) -> None:
    one, both, zero = (AdvisoryShardClaim(pg_engine, s) for s in ([1], [0, 1], [0]))
    assert await one.try_claim() is True
    assert await both.try_claim() is False  # shard 1 is taken: it must not keep shard 0
    assert await both.held_elsewhere() is False  # shard 0 has no holder
    assert await zero.try_claim() is True
    assert await both.held_elsewhere() is True
    await one.release()
    await zero.release()
    assert await both.try_claim() is True
    await both.release()


async def test_a_dead_holders_shards_go_to_the_next_try(pg_engine: AsyncEngine) -> None:
    holder, standby = AdvisoryShardClaim(pg_engine, [0, 1]), AdvisoryShardClaim(pg_engine, [0, 1])
    assert await holder.try_claim() is True
    assert await holder.still_held() is True
    assert await standby.try_claim() is False
    async with pg_engine.connect() as connection:  # the holder's session ends (its process died)
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = :high AND objid = :low"
            ),
            {"high": shard_lock_id(0) >> 32, "low": shard_lock_id(0) & 0xFFFFFFFF},
        )
    assert await holder.still_held() is False  # and it let go of the dead connection
    assert await standby.try_claim() is True
    await standby.release()


def test_shard_lock_ids_are_apart_from_the_leaders_and_the_migrations() -> None:
    ids = {shard_lock_id(n) for n in range(1024)}
    assert LEADER_LOCK_ID not in ids and 0x70617065 not in ids
    assert max(ids) < 2**63  # a PostgreSQL bigint


async def test_sqlite_claims_nothing(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        assert shard_claim(engine, [0, 1]) is None  # one process: it runs its shards at once
    finally:
        await engine.dispose()
