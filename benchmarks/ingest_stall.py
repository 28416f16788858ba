#!/usr/bin/env python3
"""How long a first ingest keeps the event loop from answering, beside an idle loop.

    .venv/bin/python benchmarks/ingest_stall.py [--notes 2000] [--rounds 3]

`paperbot run` answers `/paper`, heartbeats and interactions on the same event loop that runs
the start-up ingest. A 10 ms ticker runs beside a first ingest of the synthetic corpus
(`benchmarks/synthetic.py`, through `ingest_paths` on SQLite) and records how late each tick
was; the baseline is the same ticker on the same loop with nothing else to do, in the same run.
Prints the worst and the 99th-percentile lateness of each, per round. As `paperbot run` does
before its start-up ingest, the heap is frozen once (`bot.app.freeze_start_up_heap`), when the
first round's app is open: later rounds are ingests with what the earlier ones left unfrozen.
`--no-freeze` leaves the whole heap to the garbage collector's full passes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from ingest_speed import write_corpus  # noqa: E402

from bot.app import freeze_start_up_heap, open_app  # noqa: E402
from bot.ingest.importer import ingest_paths  # noqa: E402
from tests.support.clock import FixedClock  # noqa: E402

TICK = 0.01


async def _lateness(work: asyncio.Future[object] | None, seconds: float) -> list[float]:
    """How late each tick was while `work` ran (or for `seconds` with nothing to do)."""
    late: list[float] = []
    last = time.perf_counter()
    ends = last + seconds
    while (work is not None and not work.done()) or (work is None and last < ends):
        await asyncio.sleep(TICK)
        now = time.perf_counter()
        late.append(max(0.0, now - last - TICK))
        last = now
    return late


def _figures(late: list[float]) -> tuple[float, float]:
    ordered = sorted(late)
    return ordered[-1] * 1000, ordered[int(len(ordered) * 0.99)] * 1000


async def _round(
    notes: int, *, freeze: bool
) -> tuple[float, tuple[float, float], tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        every, _, _ = write_corpus(folder, notes, notes, 0)
        async with open_app(f"sqlite:///{folder / 'bench.sqlite3'}") as app:
            if freeze:
                freeze_start_up_heap()
            began = time.perf_counter()
            ingest = asyncio.ensure_future(ingest_paths([every], app.notes, FixedClock()))
            busy = await _lateness(ingest, 0)
            await ingest
            took = time.perf_counter() - began
            idle = await _lateness(None, min(took, 3.0))
    return took, _figures(busy), _figures(idle)


async def main_async(args: argparse.Namespace) -> None:
    heap = "left to the collector" if args.no_freeze else "frozen, as `paperbot run` does"
    print(
        f"first ingest of {args.notes} synthetic notes on SQLite, a {TICK * 1000:.0f} ms ticker; "
        f"start-up heap {heap}"
    )
    for number in range(1, args.rounds + 1):
        took, (worst, p99), (idle_worst, idle_p99) = await _round(
            args.notes, freeze=number == 1 and not args.no_freeze
        )
        print(
            f"round {number}: ingest {took:.1f} s; loop late by at most {worst:.0f} ms "
            f"(p99 {p99:.0f} ms) vs idle {idle_worst:.1f} ms (p99 {idle_p99:.1f} ms): "
            f"{worst / max(idle_worst, 0.1):.0f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000, help="corpus size (default 2000)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the heap to the collector's full passes"
    )
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
