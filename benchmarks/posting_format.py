#!/usr/bin/env python3
"""A feasibility spike, not the product's format: posting layouts measured on the real postings.

    .venv/bin/python benchmarks/posting_format.py [--notes 5000] [--large 20000] [--add-days 5]
        [--rounds 5] [--product-db FILE] [--no-postgres]

Why: issue 8's ingest (5x a bare baseline), size (2x FTS5) and flat add-a-day targets are out of
reach while the index is one B-tree row per posting (`search_postings`, about 350 per note). This
measures, in one run and beside the same bare baseline as `benchmarks/ingest_speed.py` (parse +
`executemany` of the note rows), what other layouts of exactly the product's postings
(`bot.search.index_terms.index_note` with the shipped glossary) would cost:

- the product's own first ingest (`paperbot ingest`'s code) and its database, against FTS5;
- a bare harness that does the product's rows (notes, docs, texts with fingerprints, vocabulary
  document frequencies) with plain `sqlite3`, once per posting layout, in 400-note batches:
  `rows-text` (today's `search_postings`), `rows-id` (the same rows keyed by an integer term id
  kept in the vocabulary), `packed-text` / `packed-id` (one row per term and segment, a segment
  being one batch of notes, whose blob holds the segment's doc ids delta-coded as bytes or
  uint16 and the weights as bytes; a note's day stays in `search_docs`, read into memory);
- the database size with `search_postings` swapped for each layout (the rest of the product's
  tables kept, vacuumed), against FTS5; and without the folded phrase text (a what-if);
- on PostgreSQL, the same postings written as rows and as packed segments: bytes and time;
- adding days of notes one file each (a 14-note segment each) to the 5,000-note and the larger
  database, per note, and merging those small segments into one;
- the read side: every query of `benchmarks/search_speed.py`'s mix and worst cases planned by
  the product's own planner and ranking policy (`plan_concepts`, `rank_plan`), then its posting
  blobs decoded and scored in Python (the ranking SQL's formula: weight x multiplier, best term
  per slot, best alternative per concept, sum x concepts), filters applied, top 5 by `heapq`,
  checked against the product's `SearchService` page (same keys, scores and total), and both
  timed cold in the same run, at `--notes` and (with `--product-db`) at `--large`. The packed
  reads are plain synchronous `sqlite3`; the product's go through its async engine, whose own
  cost (about what a cached `/paper` takes) a real implementation would pay as well.

CPU time is this process's (SQLite runs in it), steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, groupby, pairwise, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from ingest_speed import (  # noqa: E402
    LAST_CPU,
    bare_baseline,
    fts5_size,
    per_note_adding,
    sqlite_size,
    table_sizes,
    timed_ingest,
    write_corpus,
)
from postgres import admin_execute, database_url  # noqa: E402
from search_speed import INDEX_READS, QUERY_MIX, WORST_CASE  # noqa: E402

from bot.app import open_app, search_service  # noqa: E402
from bot.ingest.importer import BATCH_NOTES, collect_note_files  # noqa: E402
from bot.ingest.parser import parse_notes  # noqa: E402
from bot.models import Note  # noqa: E402
from bot.search.filter_plan import MAX_FILTERED_DOCS, upper  # noqa: E402
from bot.search.glossary import load_glossary  # noqa: E402
from bot.search.group_terms import GroupMatcher  # noqa: E402
from bot.search.index_sql import MAX_PREFIX_TERMS  # noqa: E402
from bot.search.index_terms import (  # noqa: E402  # noqa: E402
    AUTHOR_PREFIX,
    PAIR_PREFIX,
    TAG_PREFIX,
    author_term,
    index_note,
    tag_term,
)
from bot.search.indexer import postings_fingerprint  # noqa: E402
from bot.search.models import PAGE_SIZE, SearchFilters  # noqa: E402
from bot.search.plan import MIN_PREFIX_CHARS, Concept, Slot, plan_concepts  # noqa: E402
from bot.search.query import parse_query  # noqa: E402
from bot.search.ranking import (  # noqa: E402
    EXACT_PRECISION,
    PREFIX_PRECISION,
    AlternativeRead,
    Combine,
    ConceptRead,
    RankPass,
    SlotRead,
    Terms,
    rank_plan,
)
from bot.search.service import SearchService  # noqa: E402
from bot.search.text import normalize_phrase  # noqa: E402
from bot.store.search_schema import DOC_COUNT_TERM  # noqa: E402
from tests.support.clock import FixedClock  # noqa: E402

os.environ.pop("PAPERBOT_GLOSSARY", None)
GLOSSARY = load_glossary()
GROUPS = GroupMatcher.build(GLOSSARY)
LAYOUTS = ("rows-text", "rows-id", "packed-text", "packed-id")
QUERIES = [q for q, _, _ in QUERY_MIX] + WORST_CASE + INDEX_READS


# --- the packed blob --------------------------------------------------------------------------


def encode(base: int, docs: Sequence[int], weights: Sequence[int]) -> bytes:
    """Doc ids (ascending, from `base`) as deltas, one byte each when all fit, else uint16
    (a segment holds fewer than 65,536 notes); then one byte per weight."""
    deltas = [docs[0] - base, *(b - a for a, b in pairwise(docs))]
    code = "B" if max(deltas) < 256 else "H" if max(deltas) < 65536 else "I"
    return code.encode() + array(code, deltas).tobytes() + bytes(weights)


def decode(base: int, blob: bytes) -> tuple[list[int], bytes]:
    """Doc ids and weights of one blob."""
    code = chr(blob[0])
    size = array(code).itemsize
    count = (len(blob) - 1) // (size + 1)
    deltas = array(code)
    deltas.frombytes(blob[1 : 1 + count * size])
    return list(accumulate(deltas, initial=base))[1:], blob[1 + count * size :]


def encode_ids(ids: Sequence[int]) -> bytes:
    """Ascending integers (a segment's term ids), delta-coded like a blob's doc ids."""
    deltas = [ids[0], *(b - a for a, b in pairwise(ids))]
    code = "B" if max(deltas) < 256 else "H" if max(deltas) < 65536 else "I"
    return code.encode() + array(code, deltas).tobytes()


def decode_ids(blob: bytes) -> list[int]:
    deltas = array(chr(blob[0]))
    deltas.frombytes(blob[1:])
    return list(accumulate(deltas))


# --- the bare ingest harness ------------------------------------------------------------------

_SCHEMA = [
    "CREATE TABLE notes (id TEXT PRIMARY KEY, day TEXT, title TEXT, authors TEXT, "
    "abstract TEXT, commentary TEXT, tags TEXT, source TEXT, position INTEGER)",
    "CREATE TABLE search_docs (doc INTEGER PRIMARY KEY, note_id TEXT UNIQUE, day INT, "
    "position INT, retracted INT)",
    "CREATE INDEX ix_search_docs_day ON search_docs (day, position)",
    "CREATE TABLE search_texts (doc INTEGER PRIMARY KEY, text TEXT, authors_text TEXT, "
    "fingerprint BLOB)",
    "CREATE TABLE search_index_info (name TEXT PRIMARY KEY, value INT)",
]
_LAYOUT_SCHEMA = {
    "rows-text": [
        "CREATE TABLE search_terms (term TEXT PRIMARY KEY, df INT) WITHOUT ROWID",
        "CREATE TABLE search_postings (term TEXT, doc INT, weight INT, day INT, "
        "PRIMARY KEY (term, doc)) WITHOUT ROWID",
    ],
    "rows-id": [
        "CREATE TABLE search_terms (term TEXT PRIMARY KEY, id INT, df INT) WITHOUT ROWID",
        "CREATE TABLE search_postings (term_id INT, doc INT, weight INT, day INT, "
        "PRIMARY KEY (term_id, doc)) WITHOUT ROWID",
    ],
    "packed-text": [
        "CREATE TABLE search_terms (term TEXT PRIMARY KEY, df INT) WITHOUT ROWID",
        "CREATE TABLE search_segments (term TEXT, seg INT, blob BLOB, "
        "PRIMARY KEY (term, seg)) WITHOUT ROWID",
    ],
    "packed-id": [
        "CREATE TABLE search_terms (term TEXT PRIMARY KEY, id INT, df INT) WITHOUT ROWID",
        "CREATE TABLE search_segments (term_id INT, seg INT, blob BLOB, "
        "PRIMARY KEY (term_id, seg)) WITHOUT ROWID",
        # each segment's term ids (delta-coded like a posting list): what a merge reads and
        # deletes by primary key, instead of scanning for a segment's rows
        "CREATE TABLE search_segment_terms (seg INTEGER PRIMARY KEY, docs INT, terms BLOB)",
    ],
}


def connect(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def create(database: Path, layout: str) -> None:
    connection = connect(database)
    for statement in [*_SCHEMA, *_LAYOUT_SCHEMA[layout]]:
        connection.execute(statement)
    connection.close()


def batches(files: Sequence[Path], notes: int = BATCH_NOTES) -> Iterator[list[Path]]:
    """Whole files in batches of at least `notes` notes, as the importer stores them (14 notes
    a file: the batch closes on the file that reaches the bound)."""
    batch: list[Path] = []
    for path in files:
        batch.append(path)
        if len(batch) * 14 >= notes:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Written:
    cpu: float = 0.0
    wall: float = 0.0
    notes: int = 0
    postings: int = 0
    rows: int = 0
    max_weight: int = 0
    parts: dict[str, float] = field(default_factory=dict)
    per_note_cpu: list[float] = field(default_factory=list)


def _term_ids(connection: sqlite3.Connection, terms: Iterable[str]) -> tuple[dict[str, int], int]:
    """Ids of the terms the vocabulary holds; new ones get the next ids (written with the
    vocabulary); and the next id after them."""
    wanted = list(terms)
    known: dict[str, int] = {}
    for start in range(0, len(wanted), 20_000):
        chunk = json.dumps(wanted[start : start + 20_000], ensure_ascii=False)
        known.update(
            connection.execute(
                "SELECT term, id FROM search_terms WHERE term IN (SELECT value FROM json_each(?))",
                (chunk,),
            ).fetchall()
        )
    found = connection.execute(
        "SELECT value FROM search_index_info WHERE name = 'next_term_id'"
    ).fetchone()
    top = int(found[0]) if found else 1
    for term in wanted:
        if term not in known:
            known[term] = top
            top += 1
    return known, top


def store_batch(
    connection: sqlite3.Connection, layout: str, paths: Sequence[Path], written: Written
) -> None:
    """Parse, tokenise and store whole files as one transaction (and one segment); the CPU
    of each part is added to `written.parts`."""
    clock = [time.process_time()]

    def part(name: str) -> None:
        now = time.process_time()
        written.parts[name] = written.parts.get(name, 0.0) + now - clock[0]
        clock[0] = now

    parsed: list[tuple[Path, Note]] = []
    for path in paths:
        parsed += [(path, n) for n in parse_notes(path.read_bytes(), str(path)).notes]
    first = int(connection.execute("SELECT COALESCE(MAX(doc), 0) FROM search_docs").fetchone()[0])
    first += 1
    notes = [
        (n.key, n.day.isoformat(), n.title, json.dumps(n.authors), n.abstract,
         n.commentary, json.dumps(n.tags), str(path), n.position)
        for path, n in parsed
    ]  # fmt: skip
    part("parse + note rows")
    made = [index_note(n, GROUPS) for _, n in parsed]
    part("index_note")
    texts = [
        (doc, m.text, m.authors_text, postings_fingerprint(m.terms))
        for doc, m in enumerate(made, start=first)
    ]
    part("fingerprints")
    docs = [
        (doc, n.key, n.day.toordinal(), n.position, 0)
        for doc, (_, n) in enumerate(parsed, start=first)
    ]
    packed = layout.startswith("packed")
    df: Counter[str] = Counter({DOC_COUNT_TERM: len(parsed)})
    rows: list[tuple[Any, ...]] = []
    for (doc, _, day, _, _), m in zip(docs, made, strict=True):
        terms = m.terms
        df.update(terms.keys())
        if packed:
            rows.extend(zip(terms, repeat(doc), terms.values()))
        else:
            rows.extend(zip(terms, repeat(doc), terms.values(), repeat(day)))
    written.postings += len(rows)
    written.max_weight = max(written.max_weight, max(map(itemgetter(2), rows)))
    part("posting rows")
    ids, next_id = _term_ids(connection, df) if layout.endswith("-id") else (None, 0)
    part("term ids (SQL)")
    keyed: list[tuple[Any, ...]]
    if packed:
        rows.sort(key=itemgetter(0))  # stable: docs ascending within a term
        keyed = []
        for term, group in groupby(rows, key=itemgetter(0)):
            listed = list(group)
            blob = encode(first, [r[1] for r in listed], [r[2] for r in listed])
            keyed.append((term if ids is None else ids[term], first, blob))
        if ids is not None:
            keyed.sort(key=itemgetter(0))
            directory = (first, len(parsed), encode_ids([k[0] for k in keyed]))
        statement = "INSERT INTO search_segments VALUES (?, ?, ?)"
    else:
        if ids is not None:
            rows = [(ids[t], doc, w, day) for t, doc, w, day in rows]
        rows.sort(key=itemgetter(0))  # stable: docs ascending within a term
        keyed = rows
        statement = "INSERT INTO search_postings VALUES (?, ?, ?, ?)"
    part("sort + encode")
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", notes)
    connection.executemany("INSERT INTO search_docs VALUES (?, ?, ?, ?, ?)", docs)
    connection.executemany("INSERT INTO search_texts VALUES (?, ?, ?, ?)", texts)
    part("SQL notes, docs, texts")
    connection.executemany(statement, keyed)
    part("SQL postings")
    if ids is not None:
        connection.executemany(
            "INSERT INTO search_terms (term, id, df) VALUES (?, ?, ?) "
            "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
            [(t, ids[t], d) for t, d in sorted(df.items())],
        )
        connection.execute(
            "INSERT OR REPLACE INTO search_index_info VALUES ('next_term_id', ?)", (next_id,)
        )
        if packed:
            connection.execute("INSERT INTO search_segment_terms VALUES (?, ?, ?)", directory)
    else:
        connection.executemany(
            "INSERT INTO search_terms (term, df) VALUES (?, ?) "
            "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
            sorted(df.items()),
        )
    connection.execute("COMMIT")
    part("SQL vocabulary + commit")
    written.notes += len(parsed)
    written.rows += len(keyed)


def harness_ingest(
    files: Sequence[Path], database: Path, layout: str, *, per_file: bool = False
) -> Written:
    """Store `files` in `layout`: in importer-sized batches, or (`per_file`) one file per
    transaction and segment, timing each (adding a day)."""
    written = Written()
    connection = connect(database)
    started, cpu = time.perf_counter(), time.process_time()
    for paths in [[p] for p in files] if per_file else batches(files):
        one, notes = time.process_time(), written.notes
        store_batch(connection, layout, paths, written)
        written.per_note_cpu.append((time.process_time() - one) * 1000 / (written.notes - notes))
    written.wall, written.cpu = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    return written


def tokenise_only(files: Sequence[Path]) -> float:
    """CPU seconds of parsing every file and building every note's postings: what any layout
    pays before it writes."""
    cpu = time.process_time()
    for path in files:
        for n in parse_notes(path.read_bytes(), str(path)).notes:
            postings_fingerprint(index_note(n, GROUPS).terms)
    return time.process_time() - cpu


def merge_segments(database: Path, segments: Sequence[int]) -> tuple[float, int]:
    """Rewrite the given segments (packed-id, consecutive) as one, in one transaction: each
    segment's rows found by primary key through its term list. CPU seconds, rows written."""
    connection = connect(database)
    cpu = time.process_time()
    base = min(segments)
    connection.execute("BEGIN")
    merged: dict[int, tuple[list[int], bytearray]] = {}
    notes = 0
    for seg in sorted(segments):
        count, terms = connection.execute(
            "SELECT docs, terms FROM search_segment_terms WHERE seg = ?", (seg,)
        ).fetchone()
        notes += int(count)
        listed = json.dumps(decode_ids(terms))
        found = connection.execute(
            "SELECT term_id, blob FROM search_segments WHERE seg = ? AND term_id IN "
            "(SELECT value FROM json_each(?))",
            (seg, listed),
        ).fetchall()
        for term_id, blob in found:
            docs, weights = decode(seg, blob)
            got = merged.setdefault(term_id, ([], bytearray()))
            got[0].extend(docs)
            got[1].extend(weights)
        connection.execute(
            "DELETE FROM search_segments WHERE seg = ? AND term_id IN "
            "(SELECT value FROM json_each(?))",
            (seg, listed),
        )
        connection.execute("DELETE FROM search_segment_terms WHERE seg = ?", (seg,))
    rows = sorted((t, base, encode(base, d, w)) for t, (d, w) in merged.items())
    connection.executemany("INSERT INTO search_segments VALUES (?, ?, ?)", rows)
    connection.execute(
        "INSERT INTO search_segment_terms VALUES (?, ?, ?)",
        (base, notes, encode_ids([r[0] for r in rows])),
    )
    connection.execute("COMMIT")
    connection.close()
    return time.process_time() - cpu, len(rows)


# --- PostgreSQL ------------------------------------------------------------------------------


async def postgres_layouts(rows_db: Path, packed_db: Path) -> dict[str, tuple[float, float, int]]:
    """The same postings written to PostgreSQL as rows (term, doc, weight, day; the product's
    `unnest` statement) and as packed-id segments (`unnest` of ids, segments, bytea), a
    transaction per segment: wall and client CPU seconds, and the table's bytes with its
    primary key (`pg_total_relation_size`, after VACUUM). The vocabulary is left out: both
    layouts write the same document frequencies."""
    name = f"paperbot_postings_{uuid.uuid4().hex[:8]}"
    await admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url(name))
    found: dict[str, tuple[float, float, int]] = {}
    packed = sqlite3.connect(packed_db)
    rows = sqlite3.connect(rows_db)
    segs = [int(s) for (s,) in packed.execute("SELECT DISTINCT seg FROM search_segments")]
    bounds = [*sorted(segs), 1 << 40]
    try:
        connection = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database
        )
        await connection.execute(
            'CREATE TABLE rows_text (term varchar(64) COLLATE "C", doc int, weight int, '
            "day int, PRIMARY KEY (term, doc))"
        )
        await connection.execute(
            "CREATE TABLE packed_id (term_id int, seg int, blob bytea, PRIMARY KEY (term_id, seg))"
        )
        for table in ("rows_text", "packed_id"):
            wall = cpu = 0.0
            for low, high in pairwise(bounds):
                if table == "rows_text":
                    got = rows.execute(
                        "SELECT term, doc, weight, day FROM search_postings "
                        "WHERE doc >= ? AND doc < ? ORDER BY term, doc",
                        (low, high),
                    ).fetchall()
                    statement = (
                        "INSERT INTO rows_text SELECT * FROM "
                        "unnest($1::varchar[], $2::int[], $3::int[], $4::int[])"
                    )
                else:
                    got = packed.execute(
                        "SELECT term_id, seg, blob FROM search_segments WHERE seg = ? "
                        "ORDER BY term_id",
                        (low,),
                    ).fetchall()
                    statement = (
                        "INSERT INTO packed_id SELECT * FROM "
                        "unnest($1::int[], $2::int[], $3::bytea[])"
                    )
                started, used = time.perf_counter(), time.process_time()
                columns = [list(c) for c in zip(*got, strict=True)]
                async with connection.transaction():
                    await connection.execute(statement, *columns)
                wall += time.perf_counter() - started
                cpu += time.process_time() - used
            await connection.execute(f"VACUUM {table}")
            size = int(await connection.fetchval(f"SELECT pg_total_relation_size('{table}')"))
            found[table] = (wall, cpu, size)
        await connection.close()
    finally:
        packed.close()
        rows.close()
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return found


# --- sizes ------------------------------------------------------------------------------------


def swapped_size(product: Path, harness: Path, layout: str, folder: Path) -> int:
    """The product's database with its postings and vocabulary replaced by `layout`'s (from the
    harness database of the same notes), vacuumed: every other table as the product has it."""
    copy = folder / f"swapped-{layout}.sqlite3"
    copy.unlink(missing_ok=True)
    source = sqlite3.connect(product)
    source.execute(f"VACUUM INTO '{copy}'")
    source.close()
    connection = sqlite3.connect(copy, isolation_level=None)
    connection.execute(f"ATTACH DATABASE '{harness}' AS h")
    connection.execute("DROP TABLE search_postings")
    connection.execute("DROP TABLE search_terms")
    table = "search_segments" if layout.startswith("packed") else "search_postings"
    extra = ["search_segment_terms"] if layout == "packed-id" else []
    for name in ("search_terms", table, *extra):
        ddl = connection.execute(
            "SELECT sql FROM h.sqlite_master WHERE name = ?", (name,)
        ).fetchone()[0]
        connection.execute(ddl)
        connection.execute(f"INSERT INTO main.{name} SELECT * FROM h.{name}")
    connection.execute("DETACH DATABASE h")
    connection.execute("VACUUM")
    connection.close()
    return copy.stat().st_size


def without_phrase_text(database: Path, folder: Path) -> int:
    """The database with every note's folded phrase text emptied, vacuumed: what is left if
    phrases were checked on the stored notes' fields instead (for the few notes their word
    pairs leave)."""
    copy = folder / "lean.sqlite3"
    source = sqlite3.connect(database)
    source.execute(f"VACUUM INTO '{copy}'")
    source.close()
    connection = sqlite3.connect(copy, isolation_level=None)
    connection.execute("UPDATE search_texts SET text = ''")
    connection.execute("VACUUM")
    connection.close()
    return copy.stat().st_size


def layout_bytes(database: Path, layout: str) -> dict[str, int]:
    sizes = dict(table_sizes_all(database))
    table = "search_segments" if layout.startswith("packed") else "search_postings"
    index = [size for name, size in sizes.items() if name.startswith("sqlite_autoindex")]
    return {
        "postings": sizes.get(table, 0),
        "terms": sizes.get("search_terms", 0),
        "autoindex": sum(index),
    }


def table_sizes_all(database: Path) -> list[tuple[str, int]]:
    connection = sqlite3.connect(database)
    rows = connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    connection.close()
    return [(str(name), int(size)) for name, size in rows]


# --- the read side over packed-id -------------------------------------------------------------


class PackedReader:
    """Queries planned by the product's planner and ranking policy, read from packed-id blobs.

    Days, positions and retracted flags of every note are kept in memory (loaded once, timed):
    postings then need no day."""

    def __init__(self, database: Path) -> None:
        self.connection = sqlite3.connect(database)
        started = time.perf_counter()
        self.day: dict[int, int] = {}
        self.position: dict[int, int] = {}
        self.retracted: set[int] = set()
        for doc, day, position, retracted in self.connection.execute(
            "SELECT doc, day, position, retracted FROM search_docs"
        ):
            self.day[doc], self.position[doc] = int(day), int(position)
            if retracted:
                self.retracted.add(doc)
        self.segments = [
            int(seg) for (seg,) in self.connection.execute("SELECT seg FROM search_segment_terms")
        ]
        self.load_ms = (time.perf_counter() - started) * 1000
        self.ids: dict[str, int] = {}

    # vocabulary, as `bot.search.index_sql._vocabulary` reads it (ids kept for the reads)
    def vocabulary(self, concepts: Sequence[Concept]) -> tuple[dict[Slot, Terms], int]:
        every = [a for c in concepts for a in c.alternatives]
        every += [f for a in every for f in a.fallback]
        slots = list(dict.fromkeys(s for a in every for s in (*a.slots, *a.filters)))
        exact = self.lookup([DOC_COUNT_TERM, *(s.term for s in slots)])
        found: dict[Slot, Terms] = {}
        for slot in slots:
            df = exact.get(slot.term, 0)
            found[slot] = [(slot.term, df, EXACT_PRECISION)] if df > 0 else []
            if slot.prefix and not found[slot]:
                found[slot] = [(t, d, PREFIX_PRECISION) for t, d in self.completions(slot.term)]
        return found, exact.get(DOC_COUNT_TERM, 0)

    def lookup(self, terms: Sequence[str]) -> dict[str, int]:
        rows = self.connection.execute(
            "SELECT term, id, df FROM search_terms WHERE term IN (SELECT value FROM json_each(?))",
            (json.dumps(list(terms), ensure_ascii=False),),
        ).fetchall()
        self.ids.update((t, i) for t, i, _ in rows)
        return {t: d for t, _, d in rows}

    def completions(self, prefix: str, limit: int = MAX_PREFIX_TERMS) -> list[tuple[str, int]]:
        rows = self.connection.execute(
            "SELECT term, id, df FROM search_terms WHERE term > ? AND term < ? AND df > 0 "
            "ORDER BY df DESC, term LIMIT ?",
            (prefix, upper(prefix), limit),
        ).fetchall()
        self.ids.update((t, i) for t, i, _ in rows)
        return [(t, d) for t, _, d in rows]

    def postings(
        self, terms: Sequence[str], within: set[int] | None = None
    ) -> dict[str, dict[int, int]]:
        """Each term's live notes and weights, its segments' blobs decoded; with `within`,
        only the segments holding those notes are read, and only those notes kept."""
        ids = {self.ids[t]: t for t in terms if t in self.ids}
        out: dict[str, dict[int, int]] = {t: {} for t in terms}
        sql = "SELECT term_id, seg, blob FROM search_segments WHERE term_id IN "
        sql += "(SELECT value FROM json_each(?))"
        values = [json.dumps(list(ids))]
        if within is not None:
            starts = self.segments
            segs = {starts[bisect_right(starts, d) - 1] for d in within}
            sql += " AND seg IN (SELECT value FROM json_each(?))"
            values.append(json.dumps(sorted(segs)))
        gone = self.retracted
        for term_id, seg, blob in self.connection.execute(sql, values):
            docs, weights = decode(seg, blob)
            found = out[ids[term_id]]
            if within is None:
                found.update(zip(docs, weights, strict=True))
            else:
                found.update((d, w) for d, w in zip(docs, weights, strict=True) if d in within)
            if gone:
                for doc in gone.intersection(docs):
                    found.pop(doc, None)
        return out

    def docs_with(self, terms: Sequence[str], within: set[int] | None = None) -> set[int]:
        self.lookup(terms)
        return set().union(*(p.keys() for p in self.postings(terms, within).values()))

    def phrase_docs(self, docs: Iterable[int], phrase: str) -> set[int]:
        needle = f" {phrase}"
        rows = self.connection.execute(
            "SELECT doc, text FROM search_texts WHERE doc IN (SELECT value FROM json_each(?))",
            (json.dumps(list(docs)),),
        )
        return {doc for doc, text in rows if needle in text}

    # filters, as `bot.search.index_sql._filter_sql` states them
    def allowed(
        self, filters: SearchFilters
    ) -> tuple[set[int] | None, Callable[[int], bool] | None]:
        """The notes the tag and author filters allow (None: any), and a test of every filter
        (None: no filter)."""
        # Each required group a list of terms; the rarest is decoded whole, the others only
        # in the segments holding the notes still allowed (as the product drives filters by
        # the rarest group and probes the others).
        groups: list[list[str]] = [[tag_term(t) for t in g] for g in filters.tag_groups]
        names: list[str] = []
        for author in filters.authors:
            for part in normalize_phrase(author).split():
                term = author_term(part)
                if len(part) < MIN_PREFIX_CHARS:
                    groups.append([term])
                else:
                    groups.append([term, *(t for t, _ in self.completions(term, 10**6))])
            if len(normalize_phrase(author).split()) > 1:
                names.append(normalize_phrase(author))
        sizes = [sum(self.lookup(g).values()) for g in groups]
        allowed: set[int] | None = None
        for i in sorted(range(len(groups)), key=sizes.__getitem__):
            found = self.docs_with(groups[i], allowed)
            allowed = found if allowed is None else allowed & found
        for name in names:
            if allowed is not None:
                allowed = self.author_docs(allowed, name)
        excluded = self.docs_with([tag_term(t) for t in filters.excluded_tags], allowed)
        since = filters.since.toordinal() if filters.since else None
        until = filters.until.toordinal() if filters.until else None
        if allowed is None and not excluded and since is None and until is None:
            return None, None
        day = self.day

        def test(doc: int) -> bool:
            return (
                (allowed is None or doc in allowed)
                and doc not in excluded
                and (since is None or day[doc] >= since)
                and (until is None or day[doc] <= until)
            )

        return allowed, test

    def day_list(self, filters: SearchFilters, offset: int) -> tuple[list[tuple[str, int]], int]:
        """A date-only (or empty) list: the day index, as the product reads it (`search_docs`
        is the same in every layout)."""
        where, values = "retracted = 0", []
        if filters.since is not None:
            where += " AND day >= ?"
            values.append(filters.since.toordinal())
        if filters.until is not None:
            where += " AND day <= ?"
            values.append(filters.until.toordinal())
        total = int(
            self.connection.execute(
                f"SELECT COUNT(*) FROM search_docs WHERE {where}", values
            ).fetchone()[0]
        )
        keys = [
            str(k)
            for (k,) in self.connection.execute(
                f"SELECT note_id FROM search_docs WHERE {where} "
                "ORDER BY day DESC, position, doc LIMIT ? OFFSET ?",
                (*values, PAGE_SIZE, offset),
            )
        ]
        self.connection.execute(
            "SELECT * FROM notes WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(keys, ensure_ascii=False),),
        ).fetchall()
        return [(k, 0) for k in keys], total

    def author_docs(self, docs: set[int], name: str) -> set[int]:
        rows = self.connection.execute(
            "SELECT doc, authors_text FROM search_texts WHERE doc IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(sorted(docs)),),
        )
        return {doc for doc, text in rows if name in text}

    # ranking, as `bot.search.index_sql._pass_sql` computes it
    def slot(self, read: SlotRead, lists: dict[str, dict[int, int]]) -> dict[int, int]:
        if read.single:
            t = read.terms[0]
            return {d: w * t.multiplier for d, w in lists[t.term].items()}
        best: dict[int, int] = {}
        for t in read.terms:
            for d, w in lists[t.term].items():
                score = w * t.multiplier
                if best.get(d, -1) < score:
                    best[d] = score
        return best

    def alternative(
        self, read: AlternativeRead, lists: dict[str, dict[int, int]]
    ) -> dict[int, int]:
        scores = self.slot(read.driver, lists)
        for joined in read.joined:
            other = self.slot(joined, lists)
            scores = {d: w + other[d] for d, w in scores.items() if d in other}
        if read.phrase is not None and scores:
            kept = self.phrase_docs(scores, read.phrase)
            scores = {d: w for d, w in scores.items() if d in kept}
        return scores

    def concept(self, read: ConceptRead, lists: dict[str, dict[int, int]]) -> dict[int, int]:
        best: dict[int, int] = {}
        for alternative in read.alternatives:
            for d, w in self.alternative(alternative, lists).items():
                if best.get(d, -1) < w:
                    best[d] = w
        return best

    def ranked(self, ranking: RankPass, within: set[int] | None = None) -> dict[int, int]:
        terms = list(
            dict.fromkeys(
                t.term
                for c in ranking.concepts
                for a in c.alternatives
                for s in (a.driver, *a.joined)
                for t in s.terms
            )
        )
        lists = self.postings(terms, within)
        parts = [self.concept(c, lists) for c in ranking.concepts]
        if ranking.combine is Combine.SINGLE:
            return parts[0]
        if ranking.combine in (Combine.ALL_JOINED, Combine.ALL_GROUPED):
            parts.sort(key=len)
            return {
                d: sum(p[d] for p in parts) * len(parts)
                for d in parts[0]
                if all(d in p for p in parts[1:])
            }
        total: dict[int, list[int]] = {}
        for part in parts:
            for d, w in part.items():
                got = total.setdefault(d, [0, 0])
                got[0] += w
                got[1] += 1
        return {d: s * c for d, (s, c) in total.items()}

    def search(self, text: str, service: SearchService) -> tuple[list[tuple[str, int]], int]:
        """One page of (note key, score) and the total; the page's notes are read too."""
        query = parse_query(text)
        concepts = plan_concepts(query, GLOSSARY)
        filters = service.filters(query)
        candidates, test = self.allowed(filters)
        offset = (query.page - 1) * PAGE_SIZE
        day, position = self.day, self.position
        page: list[tuple[int, int]] = []
        total = 0
        if concepts:
            vocabulary, docs = self.vocabulary(concepts)
            for ranking in rank_plan(concepts, vocabulary, docs).passes:
                few = candidates is not None and len(candidates) <= MAX_FILTERED_DOCS
                scores = self.ranked(ranking, candidates if few else None)
                if test is not None:
                    scores = {d: w for d, w in scores.items() if test(d)}
                if scores:
                    total = len(scores)
                    top = heapq.nsmallest(
                        offset + PAGE_SIZE, scores.items(), key=lambda i: (-i[1], -day[i[0]], i[0])
                    )
                    page = top[offset:]
                    break
        elif not query.has_terms and candidates is None:
            return self.day_list(filters, offset)
        elif not query.has_terms:
            found = [
                d
                for d in (day if candidates is None else candidates)
                if (test is None or test(d)) and d not in self.retracted
            ]
            total = len(found)
            top_docs = heapq.nsmallest(
                offset + PAGE_SIZE, found, key=lambda d: (-day[d], position[d], d)
            )
            page = [(d, 0) for d in top_docs[offset:]]
        keys = dict(
            self.connection.execute(
                "SELECT doc, note_id FROM search_docs WHERE doc IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps([d for d, _ in page]),),
            ).fetchall()
        )
        self.connection.execute(
            "SELECT * FROM notes WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(keys.values()), ensure_ascii=False),),
        ).fetchall()
        return [(keys[d], s) for d, s in page], total


async def product_pages(
    url: str, rounds: int
) -> tuple[dict[str, tuple[list[tuple[str, int]], int]], dict[str, tuple[float, float]]]:
    """Each query's page through the product's `SearchService` (cold), and its median wall and
    CPU milliseconds."""
    pages: dict[str, tuple[list[tuple[str, int]], int]] = {}
    times: dict[str, tuple[float, float]] = {}
    async with open_app(url, clock=FixedClock(), glossary=GLOSSARY) as app:
        service = search_service(app)
        for text in QUERIES:
            query = parse_query(text)
            page = await service.search(query)
            pages[text] = ([(h.note.key, h.score) for h in page.hits], page.total)
            walls, cpus = [], []
            for _ in range(rounds):
                service.cache.clear()
                started, cpu = time.perf_counter(), time.process_time()
                await service.search(query)
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            times[text] = (statistics.median(walls), statistics.median(cpus))
    return pages, times


async def packed_pages(
    database: Path, url: str, rounds: int
) -> tuple[dict[str, tuple[list[tuple[str, int]], int]], dict[str, tuple[float, float]], float]:
    pages: dict[str, tuple[list[tuple[str, int]], int]] = {}
    times: dict[str, tuple[float, float]] = {}
    reader = PackedReader(database)
    async with open_app(url, clock=FixedClock(), glossary=GLOSSARY) as app:
        service = search_service(app)  # only for its filter expansion (tag aliases)
        for text in QUERIES:
            pages[text] = reader.search(text, service)
            walls, cpus = [], []
            for _ in range(rounds):
                started, cpu = time.perf_counter(), time.process_time()
                reader.search(text, service)
                walls.append((time.perf_counter() - started) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            times[text] = (statistics.median(walls), statistics.median(cpus))
    return pages, times, reader.load_ms


# --- the run ----------------------------------------------------------------------------------


def _line(label: str, value: str, ratio: float | None = None, note: str = "") -> str:
    shown = f"{ratio:7.2f}x" if ratio is not None else " " * 8
    return f"{label:<46} {value:>14} {shown}  {note}"


def product_postings(database: Path) -> int:
    connection = sqlite3.connect(database)
    count = int(connection.execute("SELECT COUNT(*) FROM search_postings").fetchone()[0])
    connection.close()
    return count


def posting_kinds(database: Path) -> str:
    """How the postings divide by kind (word pairs, tags, authors, the rest)."""
    connection = sqlite3.connect(database)
    counts = {}
    for mark, name in ((PAIR_PREFIX, "pairs"), (TAG_PREFIX, "tags"), (AUTHOR_PREFIX, "authors")):
        counts[name] = int(
            connection.execute(
                "SELECT COALESCE(SUM(df), 0) FROM search_terms WHERE term > ? AND term < ?",
                (mark, upper(mark)),
            ).fetchone()[0]
        )
    every = int(
        connection.execute("SELECT SUM(df) FROM search_terms WHERE term != ''").fetchone()[0]
    )
    vocabulary = int(connection.execute("SELECT COUNT(*) FROM search_terms").fetchone()[0])
    connection.close()
    shares = ", ".join(f"{name} {count / every:.0%}" for name, count in counts.items())
    return f"{every} postings: {shares}, words/bigrams/groups the rest; {vocabulary} terms"


async def main_async(args: argparse.Namespace) -> None:
    print(f"load average at start: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        total = max(args.notes, args.large)
        corpus, small, added_folder = write_corpus(folder, total, args.notes, args.add_days)
        small_files, added = collect_note_files([small]), collect_note_files([added_folder])
        all_files = collect_note_files([corpus])
        print(
            f"corpus: {len(small_files)} files ({args.notes} notes), larger: {len(all_files)} "
            f"files; adding {len(added)} days",
            flush=True,
        )

        cpu = time.process_time()
        baseline = bare_baseline(small_files, folder / "bare.sqlite3")
        base_cpu = time.process_time() - cpu
        print(
            _line(
                "baseline: parse + executemany note rows",
                f"CPU {base_cpu:.2f} s",
                1.0,
                f"wall {baseline:.2f} s",
            ),
            flush=True,
        )
        token_cpu = tokenise_only(small_files)
        print(
            _line(
                "parse + index_note + fingerprint (no DB)",
                f"CPU {token_cpu:.2f} s",
                token_cpu / base_cpu,
                "the floor of any layout",
            ),
            flush=True,
        )

        product = folder / "product.sqlite3"
        url = f"sqlite:///{product}"
        first, count = await timed_ingest(url, [small])
        product_cpu = LAST_CPU[0]
        print(
            _line(
                "product first ingest (rows-text)",
                f"CPU {product_cpu:.2f} s",
                product_cpu / base_cpu,
                f"wall {first:.2f} s, {count} notes",
            ),
            flush=True,
        )

        harness: dict[str, Written] = {}
        for layout in LAYOUTS:
            database = folder / f"{layout}.sqlite3"
            create(database, layout)
            harness[layout] = harness_ingest(small_files, database, layout)
            w = harness[layout]
            print(
                _line(
                    f"harness first ingest, {layout}",
                    f"CPU {w.cpu:.2f} s",
                    w.cpu / base_cpu,
                    f"wall {w.wall:.2f} s, {w.rows} rows",
                ),
                flush=True,
            )
            print("    " + ", ".join(f"{k} {v:.2f}" for k, v in w.parts.items()))
        w = harness["rows-text"]
        extra = product_cpu - w.cpu
        print(
            f"    harness postings {w.postings} (the product's: {product_postings(product)}), "
            f"max weight {w.max_weight}; product overhead beyond the harness {extra:.2f} s CPU"
        )
        for layout in LAYOUTS[1:]:
            projected = product_cpu - w.cpu + harness[layout].cpu
            print(
                _line(
                    f"  projected product ingest, {layout}",
                    f"CPU {projected:.2f} s",
                    projected / base_cpu,
                    "product - harness rows-text + harness layout",
                )
            )

        ours = sqlite_size(product)
        fts = fts5_size(product, folder / "fts.sqlite3")
        print(_line("FTS5 of the same text (content stored)", f"{fts / 1e6:.1f} MB", 1.0))
        print(
            _line(
                "product database (rows-text)",
                f"{ours / 1e6:.1f} MB",
                ours / fts,
                ", ".join(f"{n} {s / 1e6:.1f}" for n, s in table_sizes(product)[:4]),
            )
        )
        print("    " + posting_kinds(product))
        for layout in LAYOUTS:
            database = folder / f"{layout}.sqlite3"
            sqlite_size(database)
            size = swapped_size(product, database, layout, folder)
            parts = layout_bytes(folder / f"swapped-{layout}.sqlite3", layout)
            postings = harness[layout].postings
            print(
                _line(
                    f"product db with {layout}",
                    f"{size / 1e6:.1f} MB",
                    size / fts,
                    f"postings {parts['postings'] / 1e6:.1f} MB "
                    f"({parts['postings'] / postings:.1f} B/posting), "
                    f"vocabulary {parts['terms'] / 1e6:.1f} MB",
                ),
                flush=True,
            )
        texts = dict(table_sizes_all(folder / "swapped-packed-id.sqlite3")).get("search_texts", 0)
        print(f"    (search_texts, for phrases and author names, is {texts / 1e6:.1f} MB of it)")
        lean = without_phrase_text(folder / "swapped-packed-id.sqlite3", folder)
        print(
            _line(
                "  packed-id, search_texts.text dropped",
                f"{lean / 1e6:.1f} MB",
                lean / fts,
                "what-if: phrases checked on the notes' own fields",
            )
        )

        if not args.no_postgres:
            pg = await postgres_layouts(folder / "rows-text.sqlite3", folder / "packed-id.sqlite3")
            (rw, rc, rs), (pw, pc, ps) = pg["rows_text"], pg["packed_id"]
            print(
                _line(
                    "PostgreSQL postings as rows (table + key)",
                    f"{rs / 1e6:.1f} MB",
                    1.0,
                    f"write wall {rw:.2f} s, client CPU {rc:.2f} s",
                )
            )
            print(
                _line(
                    "PostgreSQL postings packed-id",
                    f"{ps / 1e6:.1f} MB",
                    ps / rs,
                    f"write wall {pw:.2f} s ({pw / rw:.2f}x), client CPU {pc:.2f} s",
                )
            )

        # the read side, 5,000 notes
        product_page, product_time = await product_pages(url, args.rounds)
        packed_page, packed_time, load_ms = await packed_pages(
            folder / "packed-id.sqlite3", url, args.rounds
        )
        report_reads(product_page, product_time, packed_page, packed_time, load_ms, args.notes)

        # adding days: one file (one segment) each
        adding: dict[tuple[str, str], float] = {}
        merge: tuple[float, int] = (0.0, 0)
        large_dbs: dict[str, Path] = {}
        if args.large > args.notes:
            for layout in ("rows-text", "packed-id"):
                database = folder / f"large-{layout}.sqlite3"
                create(database, layout)
                w = harness_ingest(all_files, database, layout)
                large_dbs[layout] = database
                print(
                    _line(
                        f"harness first ingest {w.notes} notes, {layout}",
                        f"CPU {w.cpu:.1f} s",
                        None,
                        f"wall {w.wall:.1f} s",
                    ),
                    flush=True,
                )
        # the read side on the larger database, before days are added to it
        if "packed-id" in large_dbs and args.product_db is not None:
            product_url = f"sqlite:///{args.product_db}"
            if not args.product_db.exists():
                seconds, stored = await timed_ingest(product_url, [corpus])
                print(
                    _line(
                        f"product first ingest {stored} notes",
                        f"CPU {LAST_CPU[0]:.1f} s",
                        None,
                        f"wall {seconds:.1f} s (into {args.product_db.name}, kept)",
                    ),
                    flush=True,
                )
            product_page, product_time = await product_pages(product_url, args.rounds)
            packed_page, packed_time, load_ms = await packed_pages(
                large_dbs["packed-id"], product_url, args.rounds
            )
            report_reads(product_page, product_time, packed_page, packed_time, load_ms, total)
        for layout in ("rows-text", "packed-id"):
            for which, grown in (
                ("small", folder / f"{layout}.sqlite3"),
                ("large", large_dbs.get(layout)),
            ):
                if grown is None:
                    continue
                w = harness_ingest(added, grown, layout, per_file=True)
                adding[(layout, which)] = statistics.median(w.per_note_cpu)
                print(
                    f"    adding to {which} {layout}, ms/note: "
                    + ", ".join(f"{k} {v * 1000 / w.notes:.2f}" for k, v in w.parts.items())
                )
            if layout == "packed-id":
                target = large_dbs.get(layout, folder / f"{layout}.sqlite3")
                connection = sqlite3.connect(target)
                segs = [
                    int(s)
                    for (s,) in connection.execute(
                        "SELECT seg FROM search_segment_terms ORDER BY seg DESC LIMIT ?",
                        (len(added),),
                    )
                ]
                connection.close()
                merge = merge_segments(target, segs)
        small_rate = await per_note_adding(url, added)
        print(
            _line(
                f"product: adding a day to {args.notes}",
                f"{small_rate:.2f} ms/note",
                None,
                f"CPU {LAST_CPU[0]:.2f} ms/note",
            )
        )
        for layout in ("rows-text", "packed-id"):
            small_cpu = adding[(layout, "small")]
            large_cpu = adding.get((layout, "large"))
            print(
                _line(
                    f"harness: a day to {args.notes}, {layout}",
                    f"CPU {small_cpu:.2f} ms",
                    1.0,
                    "per note",
                )
            )
            if large_cpu is not None:
                print(
                    _line(
                        f"harness: a day to {total}, {layout}",
                        f"CPU {large_cpu:.2f} ms",
                        large_cpu / small_cpu,
                        "per note, vs the smaller db",
                    )
                )
        print(
            _line(
                f"merge the last {len(added)} day segments",
                f"CPU {merge[0] * 1000:.1f} ms",
                None,
                f"{merge[0] * 1000 / (14 * len(added)):.2f} ms/note, {merge[1]} rows",
            )
        )

    print(f"load average at end: {os.getloadavg()}")


def report_reads(
    product_page: dict[str, tuple[list[tuple[str, int]], int]],
    product_time: dict[str, tuple[float, float]],
    packed_page: dict[str, tuple[list[tuple[str, int]], int]],
    packed_time: dict[str, tuple[float, float]],
    load_ms: float,
    notes: int,
) -> None:
    same = [q for q in QUERIES if product_page[q] == packed_page[q]]
    print(
        f"read side at {notes} notes: {len(same)} of {len(QUERIES)} queries give the product's "
        f"page (keys, scores, total); day array load {load_ms:.1f} ms"
    )
    for q in QUERIES:
        if q not in same:
            print(
                f"    differs: {q[:50]!r}: product {product_page[q][0][:2]}.. total "
                f"{product_page[q][1]}; packed {packed_page[q][0][:2]}.. total {packed_page[q][1]}"
            )
    for label, queries in (
        ("typical mix", [q for q, _, _ in QUERY_MIX]),
        ("worst cases", WORST_CASE),
        ("filter-only lists", INDEX_READS),
    ):
        ours = [product_time[q][0] for q in queries]
        packed = [packed_time[q][0] for q in queries]
        ours_cpu = [product_time[q][1] for q in queries]
        packed_cpu = [packed_time[q][1] for q in queries]
        print(
            _line(
                f"  {label}: product / packed median",
                f"{statistics.median(ours):.2f} / {statistics.median(packed):.2f} ms",
                statistics.median(packed) / statistics.median(ours),
                f"max {max(ours):.1f} / {max(packed):.1f} ms; "
                f"CPU {statistics.median(ours_cpu):.2f} / {statistics.median(packed_cpu):.2f} ms",
            )
        )
    slow = sorted(QUERIES, key=lambda q: -packed_time[q][0])[:4]
    for q in slow:
        print(
            f"    packed slowest: {q[:40]:<40} {packed_time[q][0]:8.2f} ms "
            f"(product {product_time[q][0]:.2f})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5_000, help="the compared corpus (5000)")
    parser.add_argument("--large", type=int, default=20_000, help="larger db, harness only")
    parser.add_argument("--add-days", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--product-db",
        type=Path,
        help="the product's SQLite database of the --large corpus, made by its ingest when the "
        "file is missing and reused after: the read side is compared against it too (without "
        "it, reads are compared at --notes only)",
    )
    args = parser.parse_args()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
