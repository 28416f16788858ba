"""Fan-out benchmark: one scheduled slot to many destinations through the real ledger.

    .venv/bin/python benchmarks/fanout.py [--destinations 500] [--scale 5] [--database-url URL]

The stand-in is an in-process platform that enforces one message per second per channel and a
workspace-wide token bucket (rate and burst), answering 429 with Retry-After beyond either.
It counts what it accepted per (destination, digest, part), so lost and duplicated messages
are measured at the receiving end. Every limit is sped up by `--scale` so a run takes about a
minute; times are printed both as measured and in platform seconds (measured × scale).
A baseline in the same run sends the same messages through the same pacer with no ledger, so
the ledger's cost shows apart from the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.app import open_app
from bot.clock import SystemClock
from bot.delivery.config import DeliveryConfig
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import build_delivery, parallel_runs_for
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.errors import DeliveryError
from bot.models import Destination, Digest, MessageRef, Note, NoteSource, Platform
from bot.payloads import ConsolePayload

DAY = date(2024, 9, 20)


class StandIn:
    """A platform with per-channel and workspace rate limits (times already scaled)."""

    def __init__(self, channel_interval: float, rate: float, burst: int, latency: float) -> None:
        self.channel_interval, self.rate, self.burst = channel_interval, rate, burst
        self.latency = latency
        self.tokens, self.updated = float(burst), time.monotonic()
        self.last: dict[str, float] = {}
        self.accepted: Counter[tuple[str, str]] = Counter()
        self.rejected: Counter[str] = Counter()
        self.first: float | None = None
        self.final: float = 0.0

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def _admit(self, channel: str) -> None:
        now = time.monotonic()
        since = now - self.last.get(channel, -1e9)
        if since < self.channel_interval:
            self.rejected["channel"] += 1
            wait = self.channel_interval - since
            raise DeliveryError("ratelimited (channel)", retryable=True, retry_after=wait)
        self._refill(now)
        if self.tokens < 1:
            self.rejected["workspace"] += 1
            wait = (1 - self.tokens) / self.rate
            raise DeliveryError("ratelimited (workspace)", retryable=True, retry_after=wait)
        self.tokens -= 1
        self.last[channel] = now
        self.first = self.first or now
        self.final = now

    async def post(
        self,
        destination: Destination,
        payload: Any,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        await asyncio.sleep(self.latency / 2)
        self._admit(destination.key)
        self.accepted[(destination.key, nonce or "")] += 1
        await asyncio.sleep(self.latency / 2)
        number = sum(self.accepted.values())
        return MessageRef(
            destination.platform, destination.workspace, destination.channel, str(number)
        )

    async def edit(self, ref: MessageRef, payload: Any) -> None:
        return None


class HeaderAndReplies:
    """A header plus one thread reply per note (the shape of the real thread layout)."""

    def render_digest(self, digest: Digest) -> list[ConsolePayload]:
        replies = [ConsolePayload(plain=n.title, thread=True) for n in digest.notes]
        return [ConsolePayload(plain=f"{digest.key}: {len(digest.notes)} notes"), *replies]


def _destinations(count: int) -> tuple[DestinationSettings, ...]:
    return tuple(
        DestinationSettings(
            destination=Destination(Platform.CONSOLE, "T-bench", f"C{i:04d}"),
            backfill=Backfill.ALL,
        )
        for i in range(count)
    )


async def _seed(app: Any, notes: int) -> None:
    placed = [
        Note(
            key=f"bench-{i}",
            day=DAY,
            title=f"paper {i}",
            source=NoteSource("b.txt", i + 1),
            position=i,
        )
        for i in range(notes)
    ]
    await app.notes.replace_file(
        "b.txt", DAY, placed, file_hash="b", parser_version=1, now=app.clock.now()
    )


def _platform(args: argparse.Namespace) -> tuple[StandIn, Pacer]:
    scale = args.scale
    stand_in = StandIn(1.0 / scale, args.workspace_rate * scale, args.burst, args.latency / scale)
    pacer = Pacer(
        SystemClock(),
        asyncio.sleep,
        channel_interval=1.0 / scale * 1.01,
        workspace_interval=None if args.adaptive else 1.0 / (args.workspace_rate * scale),
    )
    return stand_in, pacer


async def pacing_only(args: argparse.Namespace) -> float:
    """The baseline, in this run: the same sends through the same pacer, with no ledger at all."""
    stand_in, pacer = _platform(args)
    parts = [ConsolePayload(plain=f"part {n}") for n in range(args.notes + 1)]

    async def one(settings: DestinationSettings) -> None:
        for payload in parts:
            while True:
                await pacer.wait_turn(settings.destination)
                try:
                    await stand_in.post(settings.destination, payload, nonce=payload.plain)
                    break
                except DeliveryError as exc:
                    pacer.hold_workspace(settings.destination, exc.retry_after or 0.0)

    started = time.monotonic()
    await asyncio.gather(*(one(s) for s in _destinations(args.destinations)))
    return time.monotonic() - started


async def run(args: argparse.Namespace) -> int:
    baseline = await pacing_only(args)
    stand_in, pacer = _platform(args)
    clock = SystemClock()
    config = DeliveryConfig(
        destinations=_destinations(args.destinations), max_parallel_runs=args.max_parallel_runs
    )
    async with open_app(args.database_url, clock=clock) as app:
        await _seed(app, args.notes)
        delivery = build_delivery(
            app.engine,
            routes={Platform.CONSOLE: Route(HeaderAndReplies(), stand_in)},
            clock=clock,
            config=config,
            pacer=pacer,
            lease=timedelta(minutes=10),
        )
        args.in_flight = args.max_parallel_runs or parallel_runs_for(app.engine)
        started = time.monotonic()
        outcomes = await asyncio.gather(
            *(delivery.runner.run(s, "slot:bench") for s in config.destinations)
        )
        elapsed = time.monotonic() - started
    return _report(args, stand_in, outcomes, elapsed, baseline)


def _report(
    args: argparse.Namespace,
    stand_in: StandIn,
    outcomes: list[RunOutcome],
    elapsed: float,
    baseline: float,
) -> int:
    parts = args.notes + 1
    expected = args.destinations * parts
    per_channel = (parts - 1) * 1.0
    workspace = max(0, expected - args.burst) / args.workspace_rate
    bound = max(per_channel, workspace)
    platform_time = elapsed * args.scale
    lost = expected - len(stand_in.accepted)
    duplicated = sum(n - 1 for n in stand_in.accepted.values())
    print(
        f"time scale: every limit sped up {args.scale}x; platform seconds = measured x {args.scale}"
    )
    print(f"destinations {args.destinations}, messages per digest {parts}, total {expected}")
    print(
        f"limits: 1 msg/s per channel; workspace {args.workspace_rate}/s, burst {args.burst}; "
        f"pacing: {'adaptive (429 only)' if args.adaptive else 'configured workspace rate'}"
    )
    print(f"total time: {platform_time:.1f} s platform ({elapsed:.1f} s measured)")
    print(f"lower bound: {bound:.1f} s platform  ->  ratio {platform_time / bound:.3f}")
    print(
        f"baseline, same run (pacer and stand-in, no ledger): {baseline * args.scale:.1f} s "
        f"platform  ->  ledger / baseline {elapsed / baseline:.3f}"
    )
    rejected = stand_in.rejected
    print(f"429 answered: channel {rejected['channel']}, workspace {rejected['workspace']}")
    print(f"runs: {dict(Counter(o.value for o in outcomes))}, in flight at most {args.in_flight}")
    print(f"lost: {lost}  duplicated: {duplicated}")
    ok = lost == 0 and duplicated == 0 and platform_time <= 1.2 * bound
    print("target (<=1.2x bound, 0 lost, 0 duplicated):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--destinations", type=int, default=500)
    parser.add_argument("--notes", type=int, default=4, help="notes per digest (parts = notes + 1)")
    parser.add_argument(
        "--workspace-rate", type=float, default=10.0, help="messages/s, platform time"
    )
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1, help="round trip, platform seconds")
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--adaptive", action="store_true", help="no configured workspace rate")
    parser.add_argument(
        "--max-parallel-runs", type=int, default=None, help="default: sized from the pool"
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.ERROR
    )  # each 429 retry logs a warning; keep the figures readable
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url is None:
            args.database_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
