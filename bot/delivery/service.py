"""Wires the delivery parts together from an engine, the routes, a clock and the config."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from bot.delivery.alerts import AdminAlerts, AdminMessage
from bot.delivery.catalog import DestinationCatalog
from bot.delivery.config import DeliveryConfig
from bot.delivery.corrections import Corrections
from bot.delivery.pacing import Pacer, Sleep
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Publisher, Route
from bot.delivery.runner import DigestRunner
from bot.metrics import NullMetrics
from bot.models import Platform
from bot.ports import Clock, Metrics
from bot.store.deliveries import SqlDeliveryLedger
from bot.store.destinations import SqlDestinationStore
from bot.store.notes import SqlNoteStore
from bot.store.undelivered import SqlUndeliveredNotes

__all__ = ["Delivery", "build_delivery", "parallel_runs_for"]

RESERVED_CONNECTIONS = 1  # the leader's advisory-lock session, held while leading
RUNS_PER_CONNECTION = 4
UNPOOLED_PARALLEL_RUNS = 64


def parallel_runs_for(engine: AsyncEngine, kept: int = 0) -> int:
    """Runs in flight that fit the engine's pool: 4 per connection (size + overflow, less the
    leader's and the `kept` ones other parts hold open, e.g. a Discord shard claim's).

    A run holds one connection at a time, for one short transaction, and spends most of its
    time waiting for the pacer; so 4 runs per connection keep a connection's queue at a few
    short transactions (far below the pool's 30 s timeout, even on a loaded machine), while
    enough runs are in flight to fill a workspace's rate.
    """
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # no pool limit to respect
        return UNPOOLED_PARALLEL_RUNS
    overflow = max(0, getattr(pool, "_max_overflow", 0))
    return RUNS_PER_CONNECTION * max(1, pool.size() + overflow - RESERVED_CONNECTIONS - kept)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The delivery services of one process."""

    engine: AsyncEngine
    config: DeliveryConfig
    ledger: SqlDeliveryLedger
    destinations: SqlDestinationStore
    catalog: DestinationCatalog
    publisher: Publisher
    runner: DigestRunner
    corrections: Corrections
    notes: SqlNoteStore
    clock: Clock
    owner: str
    parallel: int
    """Runs in flight at most (the config's, else what fits the pool)."""
    alerts: AdminAlerts
    """What the admin is told when destinations pause (the runner's, and a lost workspace's)."""


def build_delivery(
    engine: AsyncEngine,
    *,
    routes: Mapping[Platform, Route],
    clock: Clock,
    config: DeliveryConfig | None = None,
    sleep: Sleep = asyncio.sleep,
    policy: RetryPolicy | None = None,
    pacer: Pacer | None = None,
    metrics: Metrics | None = None,
    admin_message: AdminMessage | None = None,
    lease: timedelta = timedelta(minutes=2),
    owner: str | None = None,
    notes: SqlNoteStore | None = None,
    beat: Sleep = asyncio.sleep,
    kept_connections: int = 0,
) -> Delivery:
    """Everything a process needs to run digests; `owner` names it in the ledger's leases.

    Pass the process's `notes` store so re-ingests index with its search glossary. `beat`
    spaces the lease heartbeats (real time; tests pass a sleep they control);
    `kept_connections`: pool connections other parts keep open, left out of the runs' bound.
    """
    config = config or DeliveryConfig()
    owner = owner or uuid.uuid4().hex[:16]
    parallel = config.max_parallel_runs or parallel_runs_for(engine, kept_connections)
    ledger, destinations = SqlDeliveryLedger(engine), SqlDestinationStore(engine)
    notes = notes or SqlNoteStore(engine)
    publisher = Publisher(
        ledger=ledger,
        routes=routes,
        pacer=pacer or Pacer(clock, sleep),
        policy=policy or RetryPolicy(max_attempts=config.max_attempts),
        clock=clock,
        sleep=sleep,
        metrics=metrics,
    )
    corrections = Corrections(
        ledger=ledger, notes=notes, publisher=publisher, clock=clock, owner=owner, lease=lease
    )
    alerts = AdminAlerts(metrics or NullMetrics(), admin_message)
    runner = DigestRunner(
        notes=notes,
        ledger=ledger,
        destinations=destinations,
        publisher=publisher,
        candidates=SqlUndeliveredNotes(engine),
        corrections=corrections,
        alerts=alerts,
        clock=clock,
        owner=owner,
        lease=lease,
        pause_after=config.pause_after_failures,
        parallel=parallel,
        beat=beat,
        metrics=metrics,
    )
    catalog = DestinationCatalog(config, destinations, clock=clock)
    return Delivery(
        engine=engine,
        config=config,
        ledger=ledger,
        destinations=destinations,
        catalog=catalog,
        publisher=publisher,
        runner=runner,
        corrections=corrections,
        notes=notes,
        clock=clock,
        owner=owner,
        parallel=parallel,
        alerts=alerts,
    )
