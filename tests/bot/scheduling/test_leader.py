"""Leader election on one database: one leader at a time; the lock frees when the leader goes.

Each test runs on the backend it is about: advisory locks on PostgreSQL, the single process on
SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling.leader import (
    AdvisoryLeaderLock,
    LeaderElection,
    LocalLeaderLock,
    leader_lock,
    somebody_leads,
)
from bot.store.engine import make_engine
from tests.support.leader import kill_leader_session


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    yield engine
    await engine.dispose()


class Events:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def election(self, engine: AsyncEngine, name: str) -> LeaderElection:
        async def elected() -> None:
            self.seen.append(f"{name} elected")

        return LeaderElection(
            leader_lock(engine),
            on_elected=elected,
            on_deposed=lambda: self.seen.append(f"{name} deposed"),
        )


async def test_one_leader_and_takeover_after_resign(pg_engine: AsyncEngine) -> None:
    events = Events()
    first, second = events.election(pg_engine, "first"), events.election(pg_engine, "second")
    assert await first.tick() is True
    assert await second.tick() is False
    assert await first.tick() is True  # still held
    await first.resign()
    assert await second.tick() is True
    assert events.seen == ["first elected", "first deposed", "second elected"]
    await second.resign()


async def test_takeover_after_the_leaders_database_session_dies(pg_engine: AsyncEngine) -> None:
    """Not a graceful resign: the leader's session is killed under it, as a lost host would be."""
    events = Events()
    first, second = events.election(pg_engine, "first"), events.election(pg_engine, "second")
    assert await first.tick() is True
    assert await second.tick() is False
    await kill_leader_session(pg_engine)
    async with asyncio.timeout(10):  # the backend exits just after pg_terminate_backend returns
        while not await second.tick():  # noqa: ASYNC110 - polling the lock is the behaviour
            await asyncio.sleep(0.05)
    assert await first.tick() is False  # its next poll finds its session gone: it steps down
    assert await first.tick() is False  # and, as a follower, finds the lock taken
    assert events.seen == ["first elected", "second elected", "first deposed"]
    await second.resign()
    await first.resign()


async def test_somebody_leads_only_while_a_session_holds_the_lock(pg_engine: AsyncEngine) -> None:
    """What a follower's readiness asks: the lock is held, by whichever session; not before a
    leader takes it, nor after it resigns or its session dies."""
    first = leader_lock(pg_engine)
    second = leader_lock(pg_engine)
    assert await somebody_leads(pg_engine) is False
    assert await first.try_acquire()
    assert await somebody_leads(pg_engine) is True
    assert not await second.try_acquire()  # a follower's failed attempt holds nothing
    await first.release()
    assert await somebody_leads(pg_engine) is False
    assert await second.try_acquire()
    await kill_leader_session(pg_engine)
    async with asyncio.timeout(10):  # the backend exits just after pg_terminate_backend returns
        while await somebody_leads(pg_engine):  # noqa: ASYNC110 - the lock frees with it
            await asyncio.sleep(0.05)
    await second.release()


async def test_sqlite_process_always_leads(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        lock = leader_lock(engine)
        assert isinstance(lock, LocalLeaderLock)
        assert await lock.try_acquire() and await lock.still_held()
        assert await somebody_leads(engine) is True  # one process: it leads itself
    finally:
        await engine.dispose()


async def test_postgres_gets_the_advisory_lock(pg_engine: AsyncEngine) -> None:
    assert isinstance(leader_lock(pg_engine), AdvisoryLeaderLock)
