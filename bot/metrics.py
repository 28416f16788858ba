"""In-process metrics behind the `Metrics` port: counters and observation sums, by label set."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Labels", "MetricsRegistry", "Series"]

Labels = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Series:
    """One metric with one label set: a count, and the sum of observed values."""

    count: float = 0.0
    total: float = 0.0


class MetricsRegistry:
    """What `/metrics` exposes. Counters end in `_total`; observations keep count and sum."""

    def __init__(self) -> None:
        self.counters: dict[str, dict[Labels, Series]] = {}
        self.observations: dict[str, dict[Labels, Series]] = {}

    @staticmethod
    def _series(
        table: dict[str, dict[Labels, Series]], name: str, labels: dict[str, str]
    ) -> Series:
        key = tuple(sorted(labels.items()))
        return table.setdefault(name, {}).setdefault(key, Series())

    def inc(self, name: str, **labels: str) -> None:
        """Add one to a counter."""
        self._series(self.counters, name, labels).count += 1

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation (a latency, a Retry-After)."""
        series = self._series(self.observations, name, labels)
        series.count += 1
        series.total += value
