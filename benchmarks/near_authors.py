#!/usr/bin/env python3
"""What the offer for an `author:` filter no note's authors match costs, on the synthetic
corpus (`synthetic.py`, loaded as `search_speed.py` loads it) on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/near_authors.py [--entries 50000] [--rounds 5] [--no-postgres]
        [--sqlite-path FILE] [--pg-database NAME]

Each filter's `SearchService.missing_author` is timed `--rounds` times (the check that the
filter alone finds nothing, the vocabulary's author words, the names of the notes with the
words nearest it, and their ranking); the median and the slowest are printed with the notes
whose names were read, beside the baseline measured in the same run: the search itself that
found nothing (`SearchService.search` of the filter, its results cache emptied first), which the
offer follows. `--sqlite-path`/`--pg-database` keep the corpus for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from postgres import admin_execute, database_url  # noqa: E402
from search_speed import GLOSSARY, _stored, corpus_options, ingest  # noqa: E402

from bot.app import open_app, search_service  # noqa: E402
from bot.search.near_authors import near_parts  # noqa: E402
from bot.search.query import parse_query  # noqa: E402

FILTERS = (
    "author:behbahnai",  # one word, one letter swapped
    'author:"Feryal Behbhani"',  # a whole name, one letter dropped
    'author:"Petar Velickovik"',  # accents folded, one letter wrong
    "author:zhnag",  # the commonest word of the corpus's names, misspelt
    "author:zzqxv",  # nothing near
    "author:li",  # found: only the vocabulary is asked
)


async def time_filters(url: str, entries: int, rounds: int) -> list[str]:
    async with open_app(url, glossary=GLOSSARY) as app:
        if await _stored(app) == 0:
            seconds, written = await ingest(app, entries)
            print(f"{url.split(':')[0]}: ingested {written} notes in {seconds:.1f} s", flush=True)
        service = search_service(app)
        words = await service._index.author_parts()
        lines = [f"  {len(words)} author words in the vocabulary"]
        for text in FILTERS:
            query = parse_query(text)
            samples, searches = [], []
            for _ in range(rounds):
                service.cache.clear()
                started = time.perf_counter()
                await service.search(query)
                searches.append((time.perf_counter() - started) * 1000)
                service.cache.clear()
                started = time.perf_counter()
                missing = await service.missing_author(query)
                samples.append((time.perf_counter() - started) * 1000)
            read = sum(words[p] for p in near_parts(query.authors[0], words)) if missing else 0
            offered = ", ".join(f"{a.name} ({a.count})" for a in missing.nearest) if missing else ""
            lines.append(
                f"  {text:<28} median {statistics.median(samples):6.1f} ms  "
                f"max {max(samples):6.1f} ms  (the search: {statistics.median(searches):5.1f} ms)  "
                f"names of {read:>5} notes read  {offered}"
            )
        return lines


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = args.sqlite_path or Path(folder) / "near.sqlite3"
        print(
            "SQLite", *await time_filters(f"sqlite:///{path}", args.entries, args.rounds), sep="\n"
        )
    if args.no_postgres:
        return
    name = args.pg_database or f"paperbot_near_{uuid.uuid4().hex[:8]}"
    try:
        await admin_execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        if args.pg_database is None:
            raise
    try:
        lines = await time_filters(database_url(name), args.entries, args.rounds)
        print("PostgreSQL", *lines, sep="\n")
    finally:
        if args.pg_database is None:
            await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = corpus_options(__doc__.splitlines()[0], "timed runs of each filter")
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
