"""Shard claims against a real PostgreSQL: all of a process's shards or none, freed on release
and when the holder's session dies; SQLite always runs its shards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling.leader import LEADER_LOCK_ID
from bot.scheduling.shards import (
    SHARD_GATE_LOCK_ID,
    AdvisoryShardClaim,
    count_lock_id,
    shard_claim,
    shard_lock_id,
)
from bot.store.engine import make_engine


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    yield engine
    await engine.dispose()


async def test_a_claim_takes_all_its_shards_or_none(pg_engine: AsyncEngine) -> None:
    one, both, zero = (AdvisoryShardClaim(pg_engine, s, 2) for s in ([1], [0, 1], [0]))
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
    holder, standby = (AdvisoryShardClaim(pg_engine, [0, 1], 2) for _ in range(2))
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


async def test_a_process_with_another_shard_count_claims_nothing_until_that_one_stops(
    pg_engine: AsyncEngine,
) -> None:
    old = [AdvisoryShardClaim(pg_engine, [n], 2) for n in (0, 1)]  # a count-2 deployment
    new = AdvisoryShardClaim(pg_engine, [2, 3], 4)  # shards nobody holds, of another count
    whole = AdvisoryShardClaim(pg_engine, range(4), 4)
    assert await old[0].try_claim() is True
    assert await new.try_claim() is False  # shard 2 of 4 overlaps guilds of shard 0 of 2
    assert new.other_count == 2
    assert await whole.held_elsewhere() is False  # shard 1 of 2 runs nowhere
    assert await old[1].try_claim() is True  # the same count: its other shard
    assert await whole.held_elsewhere() is True  # the count-2 processes serve every guild
    await old[0].release()
    assert await new.try_claim() is False  # one count-2 process still runs
    await old[1].release()
    assert await new.try_claim() is True
    assert await old[0].try_claim() is False and old[0].other_count == 4
    await new.release()


async def test_of_two_counts_claiming_at_once_one_wins(pg_engine: AsyncEngine) -> None:
    for _ in range(5):
        two, four = AdvisoryShardClaim(pg_engine, [0], 2), AdvisoryShardClaim(pg_engine, [3], 4)
        got = await asyncio.gather(two.try_claim(), four.try_claim())
        assert sorted(got) == [False, True]
        await two.release()
        await four.release()


def test_shard_lock_ids_are_apart_from_the_leaders_and_the_migrations() -> None:
    ids = {shard_lock_id(n) for n in range(1024)}
    counts = {count_lock_id(n) for n in range(1024)} | {SHARD_GATE_LOCK_ID}
    assert LEADER_LOCK_ID not in ids | counts and 0x70617065 not in ids | counts
    assert not ids & counts
    assert max(ids | counts) < 2**63  # a PostgreSQL bigint


async def test_sqlite_claims_nothing(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        assert shard_claim(engine, [0, 1], 2) is None  # one process: it runs its shards at once
    finally:
        await engine.dispose()
