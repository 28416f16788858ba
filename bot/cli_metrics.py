"""What `paperbot run` shows on `/metrics`, wired in the composition root.

Recorded from values the services already return (ingest reports, sends at the transport edge)
and read at scrape time from state (database counts, leadership). Every name is declared in
`bot.metrics.CATALOGUE` (recorded series) or `bot.metrics.GAUGES` (read at scrape time).
"""

from __future__ import annotations

import gc
import platform as python_platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.http.prometheus import PrometheusMetrics
from bot import __version__
from bot.errors import DeliveryError
from bot.ingest.importer import IngestReport
from bot.metrics import Gauge, labels
from bot.models import Destination, MessageRef
from bot.ports import Metrics, Transport
from bot.store.stats import store_counts
from bot.subscriptions.menu import MenuTransport

__all__ = [
    "CountingTransport",
    "build_info",
    "record_ingest",
    "watch_frozen_heap",
    "watch_leadership",
    "watch_store",
]


def build_info(metrics: PrometheusMetrics) -> None:
    """The build info gauge: always 1, labelled with the version and Python that run."""
    build = Gauge(
        "paperbot_build_info",
        1,
        labels(version=__version__, python=python_platform.python_version()),
    )

    async def info() -> Iterable[Gauge]:
        return [build]

    metrics.add_collector(info)


def record_ingest(
    metrics: Metrics, report: IngestReport, *, trigger: str, seconds: float | None = None
) -> None:
    """An ingest's outcome: notes added, updated, retracted; files read, unchanged, skipped;
    and how long it took (`trigger`: start, periodic, watcher, once)."""
    for change in ("added", "updated", "retracted"):
        metrics.add("paperbot_notes_ingested_total", report.total(change), change=change)
    for file in report.files:
        outcome = "skipped" if file.skipped else "unchanged" if file.cached else "read"
        metrics.inc("paperbot_ingest_files_total", outcome=outcome)
    if seconds is not None:
        metrics.observe("paperbot_ingest_seconds", seconds, trigger=trigger)


@dataclass(frozen=True, slots=True)
class CountingTransport:
    """A `Transport` that counts and times every send of the one it wraps."""

    inner: Transport[Any]
    metrics: Metrics
    platform: str

    async def post(
        self,
        destination: Destination,
        payload: Any,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        """Post through the wrapped transport."""
        started = time.perf_counter()
        try:
            ref = await self.inner.post(destination, payload, thread=thread, nonce=nonce)
        except DeliveryError:
            self._count("post", "failed", started)
            raise
        self._count("post", "sent", started)
        return ref

    async def edit(self, ref: MessageRef, payload: Any) -> None:
        """Edit through the wrapped transport."""
        started = time.perf_counter()
        try:
            await self.inner.edit(ref, payload)
        except DeliveryError:
            self._count("edit", "failed", started)
            raise
        self._count("edit", "sent", started)

    async def add_reaction(self, ref: MessageRef, emoji: str) -> None:
        """The bot's own reaction (a tag menu's number) through the wrapped transport."""
        await self._react("react", ref, emoji)

    async def remove_reaction(self, ref: MessageRef, emoji: str) -> None:
        """Take the bot's own reaction off through the wrapped transport."""
        await self._react("unreact", ref, emoji)

    async def _react(self, action: str, ref: MessageRef, emoji: str) -> None:
        inner = cast(MenuTransport, self.inner)  # every platform's transport reacts
        started = time.perf_counter()
        try:
            if action == "react":
                await inner.add_reaction(ref, emoji)
            else:
                await inner.remove_reaction(ref, emoji)
        except DeliveryError:
            self._count(action, "failed", started)
            raise
        self._count(action, "sent", started)

    def _count(self, action: str, outcome: str, started: float) -> None:
        where = {"platform": self.platform, "action": action}
        self.metrics.inc("paperbot_messages_total", outcome=outcome, **where)
        self.metrics.observe("paperbot_send_seconds", time.perf_counter() - started, **where)


def watch_store(metrics: PrometheusMetrics, engine: AsyncEngine) -> None:
    """Notes, digest runs and ledger messages, counted in the database at each scrape."""

    async def counts() -> Iterable[Gauge]:
        found = await store_counts(engine)
        notes = [
            Gauge("paperbot_notes", found.notes.get(retracted, 0), labels(state=state))
            for retracted, state in ((False, "active"), (True, "retracted"))
        ]
        runs = [
            Gauge("paperbot_digest_runs", n, labels(status=status))
            for status, n in found.runs.items()
        ]
        messages = [
            Gauge("paperbot_digest_messages", n, labels(platform=platform, status=status))
            for (platform, status), n in found.messages.items()
        ]
        subscriptions = [
            Gauge("paperbot_subscriptions", n, labels(platform=platform))
            for platform, n in found.subscriptions.items()
        ]
        return [*notes, *runs, *messages, *subscriptions]

    metrics.add_collector(counts)


def watch_leadership(metrics: PrometheusMetrics, leading: Callable[[], bool]) -> None:
    """1 while this process leads the digest schedule, else 0."""

    async def leader() -> Iterable[Gauge]:
        return [Gauge("paperbot_scheduler_leader", 1.0 if leading() else 0.0)]

    metrics.add_collector(leader)


def watch_frozen_heap(metrics: PrometheusMetrics) -> None:
    """Objects start-up took out of the cyclic collector's reach (`bot.app.freeze_start_up_heap`):
    the heap a full collection no longer walks, and what a cycle among them would keep."""

    async def frozen() -> Iterable[Gauge]:
        return [Gauge("paperbot_gc_frozen_objects", gc.get_freeze_count())]

    metrics.add_collector(frozen)
