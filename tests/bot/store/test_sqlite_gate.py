"""SQLite writers of one process take turns in arrival order (`bot.store.sqlite_gate`).

SQLite only: PostgreSQL has row locks and a real lock queue, so nothing here applies to it.
The busy wait this replaces sleeps up to 100 ms between tries, so a writer that commits and
begins again at once starves the others; these tests hold a transaction open for a moment
(the "work" of an ingest batch) and look at the order in which the commits land.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import make_engine
from bot.store.sqlite_gate import WriteGate

BATCHES = 12
WORK = 0.15  # seconds a batch keeps its transaction open, as an ingest batch does


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (who TEXT, n INTEGER UNIQUE)"))
    yield engine
    await engine.dispose()


async def _batches(engine: AsyncEngine, began: asyncio.Event, committed: list[str]) -> None:
    """Back-to-back write transactions, each open for a while: the start-up ingest's shape."""
    for n in range(BATCHES):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES ('batch', :n)"), {"n": n})
            began.set()
            await asyncio.sleep(WORK)
        committed.append(f"batch {n}")


async def test_a_write_during_back_to_back_batches_lands_after_the_current_batch(
    engine: AsyncEngine,
) -> None:
    began, committed = asyncio.Event(), []
    batches = asyncio.create_task(_batches(engine, began, committed))
    await began.wait()
    async with engine.begin() as connection:  # a ledger write, a subscribe, a reconcile
        await connection.execute(text("INSERT INTO t VALUES ('other', 1000)"))
    committed.append("other")
    await batches
    # without the gate it waited for all twelve batches (or failed as "database is locked")
    assert committed.index("other") <= 2, committed


async def test_a_rolled_back_write_gives_the_turn_back(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES ('a', 1)"))
            await connection.execute(text("INSERT INTO t VALUES ('b', 1)"))  # n is unique
    other = make_engine(engine.url)  # another connection, the same file's gate
    try:
        async with asyncio.timeout(10), other.begin() as connection:  # a kept turn: 30 s
            await connection.execute(text("INSERT INTO t VALUES ('c', 2)"))
    finally:
        await other.dispose()
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT who FROM t"))).scalars().all() == ["c"]


async def test_reads_do_not_wait_for_a_write_in_progress(engine: AsyncEngine) -> None:
    async with engine.begin() as writing:
        await writing.execute(text("INSERT INTO t VALUES ('w', 1)"))
        async with asyncio.timeout(10), engine.connect() as reading:
            assert (await reading.execute(text("SELECT count(*) FROM t"))).scalar() == 0


async def test_a_turn_never_given_back_is_skipped_after_the_wait_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = WriteGate("test.sqlite3", wait=0.2)
    leaked = await gate.acquire()  # a transaction whose connection was lost mid-way
    assert leaked is not None
    with caplog.at_level(logging.WARNING, logger="bot.store.sqlite_gate"):
        assert await gate.acquire() is None
    assert "test.sqlite3" in caplog.text and "busy wait" in caplog.text
    leaked.release()
    assert await gate.acquire() is not None
