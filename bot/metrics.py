"""In-process metrics behind the `Metrics` port: counters and observation sums, by label set,
plus gauges read at scrape time (counts from the database, leadership) by registered collectors.

Gauges are read, not pushed, so a value is never stale and the services that own the state need
not know about metrics at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

__all__ = ["Collector", "Gauge", "Labels", "MetricsRegistry", "Series", "labels"]

log = logging.getLogger(__name__)

Labels = tuple[tuple[str, str], ...]


def labels(**values: str) -> Labels:
    """A label set in its one canonical order."""
    return tuple(sorted(values.items()))


@dataclass(slots=True)
class Series:
    """One metric with one label set: a count, and the sum of observed values."""

    count: float = 0.0
    total: float = 0.0


@dataclass(frozen=True, slots=True)
class Gauge:
    """One value read at scrape time."""

    name: str
    value: float
    labels: Labels = ()


Collector = Callable[[], Awaitable[Iterable[Gauge]]]


class MetricsRegistry:
    """What `/metrics` exposes. Counters end in `_total`; observations keep count and sum."""

    def __init__(self, *, collect_timeout: float = 2.0) -> None:
        self.counters: dict[str, dict[Labels, Series]] = {}
        self.observations: dict[str, dict[Labels, Series]] = {}
        self.help: dict[str, str] = {}
        self._collectors: list[Collector] = []
        self._timeout = collect_timeout

    @staticmethod
    def _series(
        table: dict[str, dict[Labels, Series]], name: str, values: dict[str, str]
    ) -> Series:
        return table.setdefault(name, {}).setdefault(labels(**values), Series())

    def inc(self, name: str, **labels: str) -> None:
        """Add one to a counter."""
        self.add(name, 1, **labels)

    def add(self, name: str, amount: float, **labels: str) -> None:
        """Add `amount` (never negative: counters only grow) to a counter."""
        self._series(self.counters, name, labels).count += max(0.0, amount)

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation (a latency, a Retry-After)."""
        series = self._series(self.observations, name, labels)
        series.count += 1
        series.total += value

    def describe(self, name: str, text: str) -> None:
        """The `# HELP` line of a metric."""
        self.help[name] = text

    def add_collector(self, collector: Collector) -> None:
        """Read gauges with `collector` at every scrape."""
        self._collectors.append(collector)

    async def collect(self) -> dict[str, dict[Labels, float]]:
        """Every collector's gauges now; one that fails or hangs costs its own series only."""
        gauges: dict[str, dict[Labels, float]] = {}
        for collector in self._collectors:
            try:
                async with asyncio.timeout(self._timeout):
                    samples = list(await collector())
            except Exception as exc:  # boundary: a scrape never fails because one source did
                log.warning("metrics collector %s failed: %r", collector, exc)
                continue
            for sample in samples:
                gauges.setdefault(sample.name, {})[sample.labels] = sample.value
        return gauges
