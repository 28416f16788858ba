"""Prometheus text exposition (version 0.0.4) of the metrics registry."""

from __future__ import annotations

from collections.abc import Mapping

from bot.metrics import Labels, MetricsRegistry

__all__ = ["render_prometheus"]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels) + "}"


def _header(registry: MetricsRegistry, name: str, kind: str) -> list[str]:
    described = registry.help.get(name)
    text = (described or "").replace("\\", "\\\\").replace("\n", "\\n")  # quotes stay as they are
    shown = [f"# HELP {name} {text}"] if described else []
    return [*shown, f"# TYPE {name} {kind}"]


def render_prometheus(
    registry: MetricsRegistry, gauges: Mapping[str, Mapping[Labels, float]] | None = None
) -> str:
    """Counters as `counter`, observations as `summary` (`_count` and `_sum`), and the gauges
    read for this scrape as `gauge`."""
    lines: list[str] = []
    for name, table in sorted(registry.counters.items()):
        lines += _header(registry, name, "counter")
        lines += [f"{name}{_labels(k)} {s.count:g}" for k, s in sorted(table.items())]
    for name, table in sorted(registry.observations.items()):
        lines += _header(registry, name, "summary")
        for key, series in sorted(table.items()):
            lines.append(f"{name}_count{_labels(key)} {series.count:g}")
            lines.append(f"{name}_sum{_labels(key)} {series.total:g}")
    for name, values in sorted((gauges or {}).items()):
        lines += _header(registry, name, "gauge")
        lines += [f"{name}{_labels(k)} {v:g}" for k, v in sorted(values.items())]
    return "\n".join(lines) + "\n"
