"""The `Metrics` port on prometheus-client: one registry per instance, with the process,
platform and garbage-collector collectors, and gauges read from async collectors at scrape time.

A registry of its own (not the client's global one) lets tests and several services share a
process without colliding. The client's `*_created` series (a creation timestamp per counter and
histogram child, served in the text format as gauges of their own) are switched off with its
documented `disable_created_metrics()`: one more series per child, of no use to alerts. The
switch is process-wide (the client has none per registry); this process serves one registry.
Series are built from their declaration in `bot.metrics.CATALOGUE`; a name or label set that is
not declared is a programming error, logged once and dropped, so a metric can never break the
work it counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from bot.metrics import CATALOGUE, GAUGES, Collector, Gauge, Kind, MetricSpec

__all__ = ["CONTENT_TYPE", "PrometheusMetrics"]

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

disable_created_metrics()  # type: ignore[no-untyped-call]  # the client's documented switch


class PrometheusMetrics:
    """What `/metrics` exposes: declared counters and histograms, process figures, gauges."""

    def __init__(
        self,
        *,
        catalogue: dict[str, MetricSpec] | None = None,
        gauges_help: dict[str, str] | None = None,
        collect_timeout: float = 2.0,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        self._catalogue = CATALOGUE if catalogue is None else catalogue
        self._gauges_help = GAUGES if gauges_help is None else gauges_help
        self._series: dict[str, Counter | Histogram] = {}
        self._warned: set[str] = set()
        self._collectors: list[Collector] = []
        self._timeout = collect_timeout

    def inc(self, name: str, **labels: str) -> None:
        """Add one to a counter."""
        self.add(name, 1.0, **labels)

    def add(self, name: str, amount: float, **labels: str) -> None:
        """Add `amount` (never negative: counters only grow) to a counter."""
        series = self._labelled(name, Kind.COUNTER, labels)
        if series is not None and amount > 0:
            series.inc(amount)

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation (a latency, a Retry-After) in a histogram."""
        series = self._labelled(name, Kind.HISTOGRAM, labels)
        if series is not None:
            series.observe(value)

    def add_collector(self, collector: Collector) -> None:
        """Read gauges with `collector` at every scrape."""
        self._collectors.append(collector)

    def sample(self, name: str, **labels: str) -> float:
        """One sample's value now (0 when never recorded): `x_total`, `x_count`, `x_sum`."""
        return self.registry.get_sample_value(name, labels) or 0.0

    async def exposition(self) -> bytes:
        """The text format: every registered series, then the gauges read now.

        The recorded series are read before the state gauges: a count is recorded after the
        state it counts was committed, so in one scrape a counter never runs ahead of the
        state behind it (`paperbot_notes_ingested_total` against `paperbot_notes`)."""
        recorded = list(self.registry.collect())
        families = _gauge_families(await self._gauges(), self._gauges_help)
        return generate_latest(_Scrape(recorded, families))

    def _labelled(self, name: str, kind: Kind, labels: dict[str, str]) -> Any:
        spec = self._catalogue.get(name)
        if spec is None or spec.kind is not kind or set(labels) != set(spec.labels):
            self._refuse(name, kind, labels, spec)
            return None
        series = self._series.get(name)
        if series is None:
            series = self._series[name] = self._build(spec)
        return series.labels(**labels) if spec.labels else series

    def _build(self, spec: MetricSpec) -> Counter | Histogram:
        if spec.kind is Kind.COUNTER:
            return Counter(spec.name, spec.help, spec.labels, registry=self.registry)
        return Histogram(
            spec.name, spec.help, spec.labels, registry=self.registry, buckets=spec.buckets
        )

    def _refuse(
        self, name: str, kind: Kind, labels: dict[str, str], spec: MetricSpec | None
    ) -> None:
        if name in self._warned:
            return
        self._warned.add(name)
        declared = "not declared" if spec is None else f"declared {spec.kind} {spec.labels}"
        log.error(
            "metric %s recorded as %s with labels %s but %s in bot.metrics.CATALOGUE: dropped",
            name,
            kind,
            sorted(labels),
            declared,
        )

    async def _gauges(self) -> list[Gauge]:
        """Every collector's gauges; one that fails or hangs costs its own series only."""
        found: list[Gauge] = []
        for collector in self._collectors:
            try:
                async with asyncio.timeout(self._timeout):
                    found += list(await collector())
            except Exception as exc:  # boundary: a scrape never fails because one source did
                log.warning("metrics collector %s failed: %r", collector, exc)
        return found


def _gauge_families(gauges: Iterable[Gauge], help_texts: dict[str, str]) -> list[Metric]:
    by_name: dict[str, list[Gauge]] = {}
    for gauge in gauges:
        by_name.setdefault(gauge.name, []).append(gauge)
    families: list[Metric] = []
    for name, samples in sorted(by_name.items()):
        keys = [key for key, _ in samples[0].labels]
        family = GaugeMetricFamily(name, help_texts.get(name, ""), labels=keys)
        for sample in samples:
            family.add_metric([dict(sample.labels).get(key, "") for key in keys], sample.value)
        families.append(family)
    return families


class _Scrape:
    """The registry's series and this scrape's gauges, as `generate_latest` reads them."""

    def __init__(self, recorded: list[Metric], gauges: list[Metric]) -> None:
        self._recorded, self._gauges = recorded, gauges

    def collect(self) -> Iterator[Metric]:
        yield from self._recorded
        yield from self._gauges
