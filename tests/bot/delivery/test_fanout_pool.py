"""A fan-out to many more destinations than database connections, on a slowed database.

Every run of a slot (and the start-up catch-up) is started at once; the runner keeps the runs
in flight within the pool: the connections asked for at any moment (held or waited for) never
exceed the runs in flight, so a connection's queue stays a few short transactions long. The
test counts that demand at the pool rather than timing the waits: a pool timeout small enough
to catch an unbounded fan-out on an idle machine also fires on a loaded one.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, PoolProxiedConnection

from bot.app import open_app
from bot.delivery.config import DeliveryConfig
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import build_delivery, parallel_runs_for
from bot.models import Platform
from bot.store.engine import make_engine
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day
from tests.support.renderer import ListRenderer
from tests.support.sleep import VirtualSleep
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)
DESTINATIONS = 60
WRITE_DELAY = 0.05  # seconds the database spends on every message row written


class DemandPool(AsyncAdaptedQueuePool):
    """The engine's own pool, counting the connections asked for and not yet given back (a run
    waiting for one counts like a run holding one); `peak` is the most at once."""

    demand = peak = 0

    def connect(self) -> PoolProxiedConnection:
        self.demand += 1
        self.peak = max(self.peak, self.demand)
        try:
            return super().connect()
        except BaseException:
            self.demand -= 1
            raise

    def given_back(self, *_: Any) -> None:
        self.demand -= 1


async def slow_down(engine: AsyncEngine) -> None:
    """Make every message-row insert take WRITE_DELAY inside the database."""
    if engine.dialect.name == "sqlite":

        def sleep(seconds: float) -> int:
            time.sleep(seconds)  # runs in aiosqlite's thread, like a slow disk
            return 0

        def register(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.create_function("pb_sleep", 1, sleep)

        event.listen(engine.sync_engine, "connect", register)
        statements = [
            "CREATE TRIGGER pb_slow BEFORE INSERT ON deliveries "
            f"BEGIN SELECT pb_sleep({WRITE_DELAY}); END"
        ]
    else:
        statements = [
            "CREATE FUNCTION pb_slow() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_sleep({WRITE_DELAY}); RETURN NEW; END $$",
            "CREATE TRIGGER pb_slow BEFORE INSERT ON deliveries "
            "FOR EACH ROW EXECUTE FUNCTION pb_slow()",
        ]
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_fan_out_to_many_more_destinations_than_connections(
    database_url: str, clock: FixedClock
) -> None:
    async with open_app(database_url, clock=clock) as app:
        await put_day(app, DAY, [note(DAY, "a")])
    engine = make_engine(database_url, pool_size=3, max_overflow=0, poolclass=DemandPool)
    pool = engine.sync_engine.pool
    assert isinstance(pool, DemandPool)
    event.listen(pool, "checkin", pool.given_back)
    try:
        await slow_down(engine)
        settings = tuple(dest(f"C{i:02d}") for i in range(DESTINATIONS))
        transport = RecordingTransport(latency=0.01)
        sleep = VirtualSleep(clock)
        delivery = build_delivery(
            engine,
            routes={Platform.CONSOLE: Route(ListRenderer(), transport)},
            clock=clock,
            config=DeliveryConfig(destinations=settings),
            sleep=sleep,
            pacer=Pacer(clock, sleep, unpaced=frozenset({Platform.CONSOLE})),
        )
        assert parallel_runs_for(engine) == 8  # 4 per connection, one kept for the leader lock
        outcomes = await asyncio.gather(*(delivery.runner.run(s, "slot:1") for s in settings))
    finally:
        await engine.dispose()
    assert outcomes == [RunOutcome.SENT] * DESTINATIONS
    print(f"connections asked for at once: at most {pool.peak}")
    assert pool.peak <= parallel_runs_for(engine)  # unbounded: one per destination
    assert len(transport.sent) == DESTINATIONS * 2
    assert max(Counter((s.destination, s.text) for s in transport.sent).values()) == 1
