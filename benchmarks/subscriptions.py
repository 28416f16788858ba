#!/usr/bin/env python3
"""Personal digests at scale: every person's DM digest after an ingest of new notes, beside one
indexed query per person in the same run.

    .venv/bin/python benchmarks/subscriptions.py [--people 10000] [--notes 100] [--postgres]

10,000 people (Slack users of one workspace) follow 1 to 5 subscriptions each, drawn from the
seeds' tags (mostly single tags, one in five a tag with an excluded tag or an author), all on
the instant cadence; an ingest then stores `--notes` new notes (synthetic, over the same tags).
Timed: `PersonalDigests.plan_all`, which works out every person's digest (what a DM run would
take and why), with nothing sent. The baseline, in the same run and database, is one indexed
query per person: that person's subscriptions by the unique index on (platform, workspace,
user, filter). Targets: within 2x of the baseline, and under 5 s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from postgres import admin_execute, database_url  # noqa: E402
from synthetic import Pools, synthetic_days  # noqa: E402

from bot.app import open_app  # noqa: E402
from bot.delivery.service import build_delivery  # noqa: E402
from bot.digest.personal import Cadence  # noqa: E402
from bot.store.subscription_schema import (  # noqa: E402
    SubscriberRow,
    SubscriptionOriginRow,
    SubscriptionRow,
)
from bot.store.subscriptions import SqlSubscriptionStore  # noqa: E402
from bot.subscriptions.digests import personal_digests_for  # noqa: E402
from tests.support.clock import FixedClock  # noqa: E402

START = datetime(2024, 9, 1, tzinfo=UTC)


def _subscriptions(rng: random.Random, tags: list[str], authors: list[str]) -> list[str]:
    chosen: list[str] = []
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.8:
            text = f"tag:{rng.choice(tags)}"
        elif roll < 0.9:
            first, second = rng.sample(tags, 2)
            text = f"tag:{first} -tag:{second}"
        else:
            text = f"author:{rng.choice(authors).split()[-1].lower()}"
        if text not in chosen:
            chosen.append(text)
    return chosen


async def _load_people(engine: object, people: int, pools: Pools) -> int:
    rng = random.Random(12)
    tags = list(pools.tags)
    authors = [a for a in pools.authors if a.split()]
    subs, origins, plans = [], [], []
    for number in range(people):
        user = f"U{number:06d}"
        plans.append(
            {"platform": "slack", "workspace": "T1", "user_id": user, "cadence": "instant",
             "at_time": "09:00", "timezone": "Asia/Seoul", "locale": "ko", "created_at": START,
             "updated_at": START}
        )  # fmt: skip
        for text in _subscriptions(rng, tags, authors):
            sub_id = len(subs) + 1
            subs.append(
                {"id": sub_id, "platform": "slack", "workspace": "T1", "user_id": user,
                 "filter_text": text, "created_at": START}
            )  # fmt: skip
            origins.append({"subscription_id": sub_id, "origin": "command", "created_at": START})
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        for table, rows in ((SubscriberRow, plans), (SubscriptionRow, subs)):
            for i in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[i : i + 5000])
        for i in range(0, len(origins), 5000):
            await conn.execute(insert(SubscriptionOriginRow), origins[i : i + 5000])
    return len(subs)


async def _baseline(engine: object, people: int) -> float:
    """One indexed query per person: their subscriptions, by the unique index's prefix."""
    began = time.perf_counter()
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        for number in range(people):
            query = select(SubscriptionRow.filter_text).where(
                SubscriptionRow.platform == "slack",
                SubscriptionRow.workspace == "T1",
                SubscriptionRow.user_id == f"U{number:06d}",
            )
            (await conn.execute(query)).all()
    return time.perf_counter() - began


async def _run(url: str, people: int, notes: int) -> None:
    clock = FixedClock(START)
    pools = Pools.from_seeds(ROOT.parent / "seeds")
    async with open_app(url, clock=clock) as app:
        loaded = time.perf_counter()
        count = await _load_people(app.engine, people, pools)
        print(f"loaded {people:,} people with {count:,} subscriptions in "
              f"{time.perf_counter() - loaded:.1f} s")  # fmt: skip
        clock.advance(timedelta(days=1))
        for day, day_notes in synthetic_days(notes, pools, per_day=notes):
            await app.notes.replace_file(
                f"{day}.txt", day, day_notes, file_hash=str(day), parser_version=1, now=clock.now()
            )
        delivery = build_delivery(app.engine, routes={}, clock=clock, notes=app.notes)
        personal = personal_digests_for(delivery, SqlSubscriptionStore(app.engine))
        baseline = await _baseline(app.engine, people)
        began = time.perf_counter()
        digests = await personal.plan_all("dm:instant:bench", cadences=(Cadence.INSTANT,))
        took = time.perf_counter() - began
        papers = sum(len(d.digest.notes) for d in digests.values())
        print(f"{notes} new notes: {len(digests):,} people get a DM, {papers:,} papers in all")
        print(f"baseline (one indexed query per person): {baseline:.2f} s")
        print(f"every person's digest (plan_all):         {took:.2f} s = "
              f"{took / baseline:.2f}x the baseline")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if not args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            await _run(f"sqlite:///{tmp}/bench.sqlite3", args.people, args.notes)
        return
    name = f"bench_subs_{uuid.uuid4().hex[:8]}"
    await admin_execute(f'CREATE DATABASE "{name}"')
    try:
        print("PostgreSQL")
        await _run(database_url(name), args.people, args.notes)
    finally:
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
