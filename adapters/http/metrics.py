"""Prometheus text exposition (version 0.0.4) of the metrics registry."""

from __future__ import annotations

from bot.metrics import Labels, MetricsRegistry

__all__ = ["render_prometheus"]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels) + "}"


def render_prometheus(registry: MetricsRegistry) -> str:
    """Counters as `counter`, observations as `summary` (`_count` and `_sum`)."""
    lines: list[str] = []
    for name, table in sorted(registry.counters.items()):
        lines.append(f"# TYPE {name} counter")
        lines += [f"{name}{_labels(k)} {s.count:g}" for k, s in sorted(table.items())]
    for name, table in sorted(registry.observations.items()):
        lines.append(f"# TYPE {name} summary")
        for key, series in sorted(table.items()):
            lines.append(f"{name}_count{_labels(key)} {series.count:g}")
            lines.append(f"{name}_sum{_labels(key)} {series.total:g}")
    return "\n".join(lines) + "\n"
