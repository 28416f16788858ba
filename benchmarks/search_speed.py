#!/usr/bin/env python3
"""Search speed on a synthetic corpus: paperbot search on SQLite and PostgreSQL, beside a bare
SQLite FTS5 MATCH (default unicode61 tokenizer, bm25 rank) over the same rows, in the same run.

    .venv/bin/python benchmarks/search_speed.py [--entries 50000] [--rounds 5] [--no-postgres]
        [--sqlite-path FILE] [--pg-database NAME]

Each round runs a fixed mix of queries once; the figures are the median and 99th percentile of
single-query wall time, measured through the same async engine. Beside the typical mix, the
worst cases the grammar allows (the longest query, many repeated and many distinct words, a
pasted abstract sentence, every filter at once) and the index reads (`/paper tags`, date-only
lists) are timed the same way and reported on their own rows (target: p99 under 100 ms); on
SQLite the worst cases' CPU time is reported too (every thread of the process: the work, which
a loaded machine stretches less than the wall time).
`--sqlite-path`/`--pg-database` keep the loaded corpus and reuse it on the next run.

paperbot's time is a whole `SearchService.search` call: vocabulary lookup, ranking, the page
of 5 notes and the total count, with its results cache emptied before every call (cold: what
a query not asked since the last ingest costs). The same mix is then timed with the cache kept
(warm: a repeated query, a page turned back to), on its own row. The bare MATCH only returns
the top 5 rowids. The corpus is
loaded in 1,000-note transactions through the real indexing code (`SearchIndexer.update`); the
load time is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import async_sessionmaker

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from postgres import admin_execute, database_url  # noqa: E402
from synthetic import Pools, synthetic_days  # noqa: E402

from bot.app import App, open_app, search_service  # noqa: E402
from bot.models import Note  # noqa: E402
from bot.search.glossary import load_glossary  # noqa: E402
from bot.search.indexer import SearchIndexer  # noqa: E402
from bot.search.query import Query, parse_query  # noqa: E402
from bot.search.service import SearchService  # noqa: E402
from bot.store.schema import NoteRow, NoteTagRow  # noqa: E402
from tests.support.clock import FixedClock  # noqa: E402

# (paperbot query, the closest bare FTS5 MATCH, earliest day or None)
QUERY_MIX: list[tuple[str, str, str | None]] = [
    ("rlhf", '"rlhf"', None),
    ("llm", '"llm"', None),
    ("reward model", '"reward" "model"', None),
    ("long context", '"long" "context"', None),
    ("scaling law", '"scaling" "law"', None),
    ("transformer rnn", '"transformer" "rnn"', None),
    ("interpretab", '"interpretab"*', None),
    ("diffus", '"diffus"*', None),
    ('"weight averaging"', '"weight averaging"', None),
    ("모델", '"모델"', None),
    ("평가를", '"평가를"', None),
    ("가중치 평균", '"가중치" "평균"', None),
    ("희소 오토인코더", '"희소" "오토인코더"', None),
    ("강화학습 보상 모델", '"강화학습" "보상" "모델"', None),
    ("데이터셋이 학습", '"데이터셋이" "학습"', None),
    ("tag:rlhf", 'tags:"rlhf"', None),
    ("tag:efficient_training since:2024-01", 'tags:"efficient_training"', "2024-01-01"),
    ("tag:benchmark -tag:llm", 'tags:"benchmark" NOT tags:"llm"', None),
    ("author:arora", 'authors:"arora"', None),
    ('author:"Sanjeev Arora"', 'authors:"sanjeev arora"', None),
    ("since:2024-06 alignment", '"alignment"', "2024-06-01"),
    ("MoE의 SAE interpretability", '"moe" "sae" "interpretability"', None),
]

_LONGEST = (
    "reward model scaling law long context transformer rnn interpretability sparse autoencoder "
    "가중치 평균 강화학습 보상 모델 희소 오토인코더 데이터셋 학습 평가 정렬 양자화 "
)
WORST_CASE: list[str] = [
    " ".join(["rlhf"] * 99),  # 494 characters, one word
    " ".join(["모델을"] * 124),  # 495 characters, one Korean word with a particle
    (_LONGEST * 4)[:500].rsplit(" ", 1)[0],  # the longest: many distinct words, both scripts
    "a an be do go if in is it me my no of on or so to up we ai "
    "ml rl lm cv nlp gpu cpu api sql llm moe sae kd dpo ppo sft rag cot vit cnn "
    "rnn gan vae bert t5 opt bloom llama qwen phi data loss code math eval test lora mix "
    "fp8 ssm",  # 60 short words
    "Large language models trained with reinforcement learning from human feedback can learn "
    "to mislead humans: their answers look more convincing to evaluators without being more "
    "correct, and the gap widens on harder question answering and programming tasks.",
    "대규모 언어 모델을 인간 피드백 기반 강화학습으로 학습시키면 평가자를 더 잘 설득하는 답을 "
    "내놓지만 정확도는 오르지 않으며, 어려운 질의응답과 프로그래밍 과제에서 그 차이가 커진다.",
    '"scaling laws for neural language models trained on large corpora of text and code"',
    'tag:rlhf tag:alignment,safety -tag:survey -tag:llm author:wang author:"li" '
    "since:2016-01 until:2024-06 reward model 평가",
]
INDEX_READS: list[str] = ["since:2024-06", "since:2016-01", "until:2024-06-30", "author:kim"]

GLOSSARY = load_glossary(ROOT.parent / "bot" / "search" / "glossary.toml")


def _note_rows(notes: list[Note], now: datetime) -> tuple[list[dict[str, Any]], list[Any]]:
    rows = [
        {
            "id": n.key,
            "day": n.day,
            "title": n.title,
            "authors": list(n.authors),
            "abstract": n.abstract,
            "commentary": n.commentary,
            "links": [],
            "tags": list(n.tags),
            "source_file": n.source.file,
            "source_line": n.source.line,
            "position": n.position,
            "content_hash": n.content_hash,
            "retracted": False,
            "created_at": now,
            "updated_at": now,
        }
        for n in notes
    ]
    tags = [
        {"note_id": n.key, "tag": t, "position": i} for n in notes for i, t in enumerate(n.tags)
    ]
    return rows, tags


async def ingest(app: App, entries: int, batch: int = 1000) -> tuple[float, int]:
    """Load the synthetic corpus in big transactions: notes rows in bulk, the search index
    through the real `SearchIndexer.update` (the code every ingest runs). Seconds and count."""
    pools = Pools.from_seeds(ROOT.parent / "seeds")
    now = FixedClock().now()
    sessions = async_sessionmaker(app.engine)
    indexer = SearchIndexer.build(app.glossary)
    started, written, pending = time.perf_counter(), 0, []
    days = synthetic_days(entries, pools)
    for _, notes in days:
        pending.extend(notes)
        if len(pending) >= batch or written + len(pending) >= entries:
            rows, tags = _note_rows(pending, now)
            async with sessions() as session, session.begin():
                await session.execute(insert(NoteRow), rows)
                await session.execute(insert(NoteTagRow), tags)
                await indexer.update(session, pending, [])
            written, pending = written + len(pending), []
    return time.perf_counter() - started, written


async def build_bare_fts(app: App) -> float:
    """The bare baseline: an FTS5 table with the default tokenizer over the same notes."""
    started = time.perf_counter()
    async with app.engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE VIRTUAL TABLE bare_fts USING fts5("
                "title, authors, abstract, commentary, tags, day UNINDEXED)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO bare_fts (rowid, title, authors, abstract, commentary, tags, day) "
                "SELECT d.doc, n.title, n.authors, n.abstract, n.commentary, n.tags, n.day "
                "FROM notes AS n JOIN search_docs AS d ON d.note_id = n.id"
            )
        )
    return time.perf_counter() - started


CPU: list[float] = []
"""CPU milliseconds of this process (every thread: SQLite runs in the driver's) per timed call
of the worst cases: the work itself, which the machine's load does not inflate as it does the
wall time (on PostgreSQL only the client's share)."""


async def timed(
    run: Callable[[], Awaitable[object]], rounds: int, cpu: list[float] | None = None
) -> list[float]:
    """Milliseconds of each call, after one warm-up call; with `cpu`, each call's CPU time too."""
    await run()
    samples = []
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        await run()
        samples.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - used) * 1000)
    return samples


def cold(service: SearchService, query: Query) -> Callable[[], Awaitable[object]]:
    """One search with the results cache emptied first: the work a new query costs."""

    async def run() -> object:
        service.cache.clear()
        return await service.search(query)

    return run


async def time_paperbot(app: App, rounds: int) -> tuple[list[float], dict[str, float]]:
    service = search_service(app)
    samples: list[float] = []
    per_query: dict[str, float] = {}
    for query_text, _, _ in QUERY_MIX:
        found = await timed(cold(service, parse_query(query_text)), rounds)
        samples.extend(found)
        per_query[query_text] = statistics.median(found)
    return samples, per_query


async def time_cached(app: App, rounds: int) -> list[float]:
    """The typical mix again, the cache kept: every timed call is a repeat."""
    service = search_service(app)
    samples: list[float] = []
    for query_text, _, _ in QUERY_MIX:
        query = parse_query(query_text)
        samples.extend(await timed(lambda q=query: service.search(q), rounds))
    return samples


async def time_worst(app: App, rounds: int) -> tuple[list[float], list[float], dict[str, float]]:
    """Worst-case queries and the index reads (`/paper tags` and date-only lists)."""
    service = search_service(app)
    worst: list[float] = []
    reads: list[float] = []
    per_query: dict[str, float] = {}
    CPU.clear()
    for query_text in WORST_CASE:
        found = await timed(cold(service, parse_query(query_text)), rounds, CPU)
        worst.extend(found)
        per_query[query_text] = statistics.median(found)
    for query_text in INDEX_READS:
        found = await timed(cold(service, parse_query(query_text)), rounds)
        reads.extend(found)
        per_query[query_text] = statistics.median(found)
    found = await timed(service.tags, rounds)  # not cached
    reads.extend(found)
    per_query["/paper tags"] = statistics.median(found)
    return worst, reads, per_query


def _print_each(engine: str, per_query: dict[str, float]) -> None:
    for query_text, median in per_query.items():
        shown = (
            query_text if len(query_text) <= 40 else f"{query_text[:28]}… ({len(query_text)} ch)"
        )
        print(f"  {engine} {shown:<44} {median:8.2f} ms")


async def time_bare(app: App, rounds: int) -> tuple[list[float], dict[str, float]]:
    samples: list[float] = []
    per_query: dict[str, float] = {}
    async with app.engine.connect() as connection:
        for query_text, match, since in QUERY_MIX:
            sql = "SELECT rowid FROM bare_fts WHERE bare_fts MATCH :m"
            sql += " AND day >= :since" if since else ""
            statement = text(sql + " ORDER BY rank LIMIT 5")
            params = {"m": match, "since": since}

            async def run(s=statement, p=params) -> object:  # type: ignore[no-untyped-def]
                return (await connection.execute(s, p)).all()

            found = await timed(run, rounds)
            samples.extend(found)
            per_query[query_text] = statistics.median(found)
    return samples, per_query


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def row(name: str, samples: list[float]) -> str:
    return f"{name:<38} {statistics.median(samples):8.2f} ms {p99(samples):8.2f} ms"


async def _stored(app: App) -> int:
    async with app.engine.connect() as connection:
        return int(await connection.scalar(text("SELECT COUNT(*) FROM notes")) or 0)


async def run_sqlite(entries: int, rounds: int, path: Path) -> list[str]:
    async with open_app(f"sqlite:///{path}", glossary=GLOSSARY) as app:
        if (stored := await _stored(app)) == 0:
            seconds, written = await ingest(app, entries)
            print(f"sqlite: ingested {written} notes in {seconds:.1f} s", flush=True)
            async with app.engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
        else:
            print(f"sqlite: reusing {stored} notes in {path}", flush=True)
        async with app.engine.connect() as connection:
            fts = await connection.scalar(
                text("SELECT COUNT(*) FROM sqlite_master WHERE name = 'bare_fts'")
            )
        if not fts:
            print(f"sqlite: bare FTS5 table built in {await build_bare_fts(app):.1f} s", flush=True)
        ours, ours_each = await time_paperbot(app, rounds)
        bare, bare_each = await time_bare(app, rounds)
        worst, reads, worst_each = await time_worst(app, rounds)
        warm = await time_cached(app, rounds)
    for query_text, _, _ in QUERY_MIX:
        print(
            f"  {query_text:<40} paperbot {ours_each[query_text]:7.2f} ms   "
            f"bare {bare_each[query_text]:7.2f} ms"
        )
    _print_each("sqlite", worst_each)
    return [
        row("SQLite  paperbot search (cold)", ours),
        row("SQLite  paperbot search (cached)", warm),
        row("SQLite  bare FTS5 MATCH", bare),
        row("SQLite  worst-case queries", worst),
        row("SQLite  worst-case queries, CPU time", list(CPU)),
        row("SQLite  tags + filter-only lists", reads),
    ]


async def run_postgres(entries: int, rounds: int, keep: str | None) -> list[str]:
    name = keep or f"paperbot_speed_{uuid.uuid4().hex[:8]}"
    try:
        await admin_execute(f'CREATE DATABASE "{name}"')
    except asyncpg.DuplicateDatabaseError:
        if keep is None:
            raise
    try:
        url = database_url(name)
        async with open_app(url, glossary=GLOSSARY) as app:
            if (stored := await _stored(app)) == 0:
                seconds, written = await ingest(app, entries)
                print(f"postgresql: ingested {written} notes in {seconds:.1f} s", flush=True)
                async with app.engine.connect() as connection:
                    autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("VACUUM ANALYZE"))
            else:
                print(f"postgresql: reusing {stored} notes in {name}", flush=True)
            ours, ours_each = await time_paperbot(app, rounds)
            worst, reads, worst_each = await time_worst(app, rounds)
            warm = await time_cached(app, rounds)
        for query_text, _, _ in QUERY_MIX:
            print(f"  {query_text:<40} paperbot {ours_each[query_text]:7.2f} ms")
        _print_each("postgresql", worst_each)
        return [
            row("PostgreSQL paperbot search (cold)", ours),
            row("PostgreSQL paperbot search (cached)", warm),
            row("PostgreSQL worst-case queries", worst),
            row("PostgreSQL tags + filter-only lists", reads),
        ]
    finally:
        if keep is None:
            await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = args.sqlite_path or Path(folder) / "speed.sqlite3"
        rows = await run_sqlite(args.entries, args.rounds, path)
    if not args.no_postgres:
        rows += await run_postgres(args.entries, args.rounds, args.pg_database)
    print(
        f"\n{args.entries} entries, {len(QUERY_MIX)} typical queries, {len(WORST_CASE)} worst "
        f"cases, {len(INDEX_READS) + 1} index reads, x {args.rounds} rounds"
    )
    print(f"{'':<38} {'median':>11} {'p99':>11}")
    print("\n".join(rows))


def corpus_options(description: str, rounds: str) -> argparse.ArgumentParser:
    """The options of a benchmark over the synthetic corpus on both engines (also
    `near_authors.py`'s): its size, the rounds, and where to keep it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help=rounds)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--sqlite-path", type=Path, help="keep the SQLite corpus here (reused)")
    parser.add_argument("--pg-database", help="keep the PostgreSQL corpus in this database")
    return parser


def main() -> int:
    parser = corpus_options(__doc__.splitlines()[0], "timed runs of each query")
    args = parser.parse_args()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
