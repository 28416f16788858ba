"""Every metric paperbot records, declared once: its name, kind, labels and help.

The `Metrics` port (bot/ports.py) takes a name and labels; the exposition adapter
(adapters/http/prometheus.py) builds each series from its declaration here, so a metric is
typed and documented in one place and bot/ stays free of any metrics library. Adding one is a
`MetricSpec` in `CATALOGUE` and a `metrics.inc(...)` or `metrics.observe(...)` where it
happens; tests/bot/test_metric_catalogue.py fails for a recorded name or label set that is not
declared. Gauges are read, not pushed: a collector returns `Gauge` values at each scrape (counts
from the database, leadership), so a value is never stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CATALOGUE",
    "GAUGES",
    "Collector",
    "Gauge",
    "Kind",
    "Labels",
    "MetricSpec",
    "NullMetrics",
    "labels",
]

Labels = tuple[tuple[str, str], ...]


def labels(**values: str) -> Labels:
    """A label set in its one canonical order."""
    return tuple(sorted(values.items()))


class Kind(StrEnum):
    """How a metric moves: a counter only grows; a histogram buckets observations."""

    COUNTER = "counter"
    HISTOGRAM = "histogram"


LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds, for answers and sends (Slack wants an ack within 3 s)."""
WAITS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
"""Seconds, for Retry-After holds."""
LONG = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
"""Seconds, for whole ingests and digest runs."""


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One recorded metric. Counter names end in `_total`; labels are in alphabetical order,
    the order every prometheus-client version writes them in."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = LATENCY


def _specs(*specs: MetricSpec) -> dict[str, MetricSpec]:
    return {spec.name: spec for spec in specs}


C, H = Kind.COUNTER, Kind.HISTOGRAM

CATALOGUE: dict[str, MetricSpec] = _specs(
    MetricSpec(
        "paperbot_digest_runs_total",
        C,
        "digest runs this process made, by platform and outcome",
        ("outcome", "platform"),
    ),
    MetricSpec(
        "paperbot_digest_run_seconds",
        H,
        "time per digest run, by platform and outcome",
        ("outcome", "platform"),
        LONG,
    ),
    MetricSpec(
        "paperbot_messages_total",
        C,
        "sends this process made, by platform, action and outcome (sent, failed)",
        ("action", "outcome", "platform"),
    ),
    MetricSpec(
        "paperbot_send_seconds", H, "time per send, by platform and action", ("action", "platform")
    ),
    MetricSpec(
        "paperbot_send_retries_total", C, "digest sends retried, by platform", ("platform",)
    ),
    MetricSpec(
        "paperbot_retry_after_seconds",
        H,
        "Retry-After waits a platform asked for, by platform",
        ("platform",),
        WAITS,
    ),
    MetricSpec(
        "paperbot_destination_paused_total",
        C,
        "destinations paused after repeated failures",
        ("destination",),
    ),
    MetricSpec(
        "paperbot_commands_total",
        C,
        "/paper commands answered, by platform and reply",
        ("platform", "reply"),
    ),
    MetricSpec(
        "paperbot_command_seconds",
        H,
        "time to answer a /paper command, by platform and reply",
        ("platform", "reply"),
    ),
    MetricSpec("paperbot_search_seconds", H, "time per search of the notes index"),
    MetricSpec(
        "paperbot_reactions_total",
        C,
        "reactions on digest messages handled, by platform and outcome",
        ("outcome", "platform"),
    ),
    MetricSpec(
        "paperbot_events_total",
        C,
        "platform events received, by platform and type",
        ("platform", "type"),
    ),
    MetricSpec(
        "paperbot_slack_duplicate_events_total", C, "Slack events delivered again and dropped"
    ),
    MetricSpec("paperbot_slack_ack_seconds", H, "time to acknowledge a Slack /paper command"),
    MetricSpec(
        "paperbot_discord_gateway_total",
        C,
        "Discord gateway connects, disconnects and resumes",
        ("event",),
    ),
    MetricSpec(
        "paperbot_notes_ingested_total", C, "notes this process ingested, by change", ("change",)
    ),
    MetricSpec(
        "paperbot_ingest_files_total",
        C,
        "notes files this process read, by outcome (read, unchanged, skipped)",
        ("outcome",),
    ),
    MetricSpec(
        "paperbot_ingest_seconds",
        H,
        "time per ingest of the notes folder, by trigger (start, periodic, watcher, once)",
        ("trigger",),
        LONG,
    ),
)

GAUGES: dict[str, str] = {
    "paperbot_build_info": "always 1; the version and Python that run",
    "paperbot_notes": "notes stored, by state (active, retracted)",
    "paperbot_digest_runs": "digest runs in the ledger, by status",
    "paperbot_digest_messages": "digest messages in the ledger, by platform and status",
    "paperbot_subscriptions": "personal subscriptions stored, by platform",
    "paperbot_scheduler_leader": "1 while this process leads the digest schedule",
    "paperbot_gc_frozen_objects": "objects start-up froze out of the cyclic garbage collector",
}
"""Help of the gauges collectors read at scrape time."""


@dataclass(frozen=True, slots=True)
class Gauge:
    """One value read at scrape time."""

    name: str
    value: float
    labels: Labels = ()


Collector = Callable[[], Awaitable[Iterable[Gauge]]]


class NullMetrics:
    """Metrics that go nowhere: what a service records into when no adapter exposes them."""

    def inc(self, name: str, **labels: str) -> None:
        """Ignore the count."""

    def add(self, name: str, amount: float, **labels: str) -> None:
        """Ignore the count."""

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Ignore the observation."""
