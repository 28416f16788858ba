#!/usr/bin/env python3
"""Ingest speed and index size on the synthetic corpus, beside bare baselines in the same run.

    .venv/bin/python benchmarks/ingest_speed.py [--notes 50000] [--add-days 5] [--no-postgres]

The corpus is `benchmarks/synthetic.py`'s (pieces of the seed notes, 14 notes a day) written as
daily notes files and ingested through `paperbot ingest`'s code (`ingest_paths`: whole files, a
batch of a few hundred notes per transaction). Prints, each beside its baseline:

- first ingest on SQLite vs parsing every file plus `executemany` of the note rows alone into a
  bare SQLite table (one transaction per file, same journal settings); PostgreSQL vs SQLite;
- the database file vs an FTS5 table (content included) of the same text;
- adding days of notes (one file each) to a 5,000-note and to the full database, per note;
- an unchanged re-ingest vs reading and hashing every file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from postgres import admin_execute, database_url  # noqa: E402
from synthetic import Pools, synthetic_days  # noqa: E402

from bot.app import open_app  # noqa: E402
from bot.ingest.importer import collect_note_files, ingest_paths  # noqa: E402
from bot.ingest.parser import parse_notes  # noqa: E402
from bot.models import Note  # noqa: E402
from tests.support.clock import FixedClock  # noqa: E402

SMALL = 5_000
"""The smaller database days are added to (or a fifth of `--notes`, if that is less)."""


def notes_file(day: date, notes: list[Note]) -> str:
    """One day's notes in the notes format (docs/notes-format.md)."""
    lines = [day.isoformat()]
    for note in notes:
        lines.append(note.title)
        lines.append("(" + ", ".join(note.authors) + ")")
        if note.abstract:
            lines.append(note.abstract)
        lines.append(note.commentary)
        lines.append(" ".join("#" + tag for tag in note.tags))
    return "\n".join(lines) + "\n"


def write_corpus(
    folder: Path, notes: int, small_notes: int, add_days: int
) -> tuple[Path, Path, Path]:
    """The first `notes` notes as daily files (`all/`, and its first `small_notes` in
    `small/`), and `add_days` more days after them (`added/`)."""
    pools = Pools.from_seeds(ROOT.parent / "seeds")
    every, small, added = folder / "all", folder / "small", folder / "added"
    for path in (every, small, added):
        path.mkdir()
    written = 0
    for day, day_notes in synthetic_days(notes + 14 * (add_days + 1), pools):
        name = f"{day.isoformat()}.txt"
        body = notes_file(day, day_notes)
        if written + len(day_notes) <= notes:
            (every / name).write_text(body, "utf-8")
            if written + len(day_notes) <= small_notes:
                (small / name).write_text(body, "utf-8")
            written += len(day_notes)
        elif len(list(added.iterdir())) < add_days:
            (added / name).write_text(body, "utf-8")
    return every, small, added


def bare_baseline(files: list[Path], database: Path) -> float:
    """Parse every file and `executemany` its note rows into one plain table, a transaction per
    file, WAL and synchronous=NORMAL like paperbot's SQLite."""
    started = time.perf_counter()
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE notes (id TEXT PRIMARY KEY, day TEXT, title TEXT, authors TEXT, "
        "abstract TEXT, commentary TEXT, tags TEXT, source TEXT, position INTEGER)"
    )
    for path in files:
        parsed = parse_notes(path.read_bytes(), str(path))
        rows = [
            (
                n.key, n.day.isoformat(), n.title, json.dumps(n.authors), n.abstract,
                n.commentary, json.dumps(n.tags), str(path), n.position,
            )
            for n in parsed.notes
        ]  # fmt: skip
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        connection.execute("COMMIT")
    connection.close()
    return time.perf_counter() - started


def read_and_hash(files: list[Path]) -> float:
    started = time.perf_counter()
    for path in files:
        hashlib.sha256(path.read_bytes()).hexdigest()
    return time.perf_counter() - started


def sqlite_size(database: Path) -> int:
    """The file's size with the write-ahead log folded in."""
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return database.stat().st_size


def table_sizes(database: Path) -> list[tuple[str, int]]:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6"
        ).fetchall()
    except sqlite3.OperationalError:  # SQLite built without dbstat
        rows = []
    connection.close()
    return [(str(name), int(size)) for name, size in rows]


def posting_rows(database: Path) -> tuple[int, float]:
    """How many postings the index holds, and the postings table's bytes per posting."""
    connection = sqlite3.connect(database)
    rows = int(connection.execute("SELECT COUNT(*) FROM search_postings").fetchone()[0])
    sizes = dict(table_sizes(database))
    connection.close()
    return rows, sizes.get("search_postings", 0) / max(rows, 1)


def fts5_size(ours: Path, database: Path) -> int:
    """An FTS5 table (default tokenizer, content stored) over the same notes' text."""
    connection = sqlite3.connect(database)
    connection.execute(f"ATTACH DATABASE '{ours}' AS ours")
    connection.execute(
        "CREATE VIRTUAL TABLE notes_fts USING fts5(title, authors, abstract, commentary, tags)"
    )
    connection.execute(
        "INSERT INTO notes_fts SELECT title, authors, abstract, commentary, tags FROM ours.notes"
    )
    connection.commit()
    connection.execute("DETACH DATABASE ours")
    connection.execute("VACUUM")
    connection.close()
    return database.stat().st_size


LAST_CPU = [0.0]
"""This process's CPU seconds (every thread) in the last `timed_ingest`: on a shared machine
a steadier figure than the wall clock (PostgreSQL's own work is not in it)."""


async def timed_ingest(url: str, paths: list[Path]) -> tuple[float, int]:
    """Seconds to ingest `paths` (files or folders) with the real code; notes added."""
    async with open_app(url, clock=FixedClock()) as app:
        started, cpu = time.perf_counter(), time.process_time()
        report = await ingest_paths(paths, app.notes, app.clock)
        elapsed = time.perf_counter() - started
        LAST_CPU[0] = time.process_time() - cpu
    assert not report.skipped, report.skipped[0].skipped
    return elapsed, report.total("added") + report.total("unchanged")


async def per_note_adding(url: str, added: list[Path]) -> float:
    """Median milliseconds per note of ingesting each added day's file on its own (and the
    median CPU milliseconds per note in `LAST_CPU`)."""
    samples, cpu = [], []
    async with open_app(url, clock=FixedClock()) as app:
        for path in added:
            started, cpu_started = time.perf_counter(), time.process_time()
            report = await ingest_paths([path], app.notes, app.clock)
            notes = report.total("added")
            samples.append((time.perf_counter() - started) * 1000 / notes)
            cpu.append((time.process_time() - cpu_started) * 1000 / notes)
    LAST_CPU[0] = statistics.median(cpu)
    return statistics.median(samples)


async def postgres_run(corpus: Path, added: list[Path]) -> tuple[float, float, int]:
    """First ingest and per-note adding on a fresh PostgreSQL database; and its size."""
    name = f"paperbot_ingest_{uuid.uuid4().hex[:8]}"
    await admin_execute(f'CREATE DATABASE "{name}"')
    try:
        url = database_url(name)
        first, _ = await timed_ingest(url, [corpus])
        adding = await per_note_adding(url, added)
        async with open_app(url) as app, app.engine.connect() as connection:
            size = int(await connection.scalar(text("SELECT pg_database_size(current_database())")))
        return first, adding, size
    finally:
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _line(label: str, value: str, ratio: float | None = None, note: str = "") -> str:
    shown = f"{ratio:7.2f}x" if ratio is not None else " " * 8
    return f"{label:<44} {value:>12} {shown}  {note}"


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small_notes = min(SMALL, args.notes // 5)
        corpus, small, added_folder = write_corpus(folder, args.notes, small_notes, args.add_days)
        files, added = collect_note_files([corpus]), collect_note_files([added_folder])
        db, small_db = folder / "paperbot.sqlite3", folder / "small.sqlite3"
        url = f"sqlite:///{db}"
        print(f"corpus: {len(files)} files; adding {args.add_days} days of 14 notes", flush=True)

        cpu = time.process_time()
        baseline = bare_baseline(files, folder / "bare.sqlite3")
        baseline_cpu = time.process_time() - cpu
        first, count = await timed_ingest(url, [corpus])
        print(
            _line(
                "baseline: parse + executemany note rows",
                f"{baseline:.2f} s",
                1.0,
                f"CPU {baseline_cpu:.2f} s",
            )
        )
        print(
            _line("first ingest, SQLite", f"{first:.2f} s", first / baseline,
                  f"{count} notes, {first / count * 1000:.2f} ms/note, CPU {LAST_CPU[0]:.2f} s "
                  f"({LAST_CPU[0] / baseline_cpu:.1f}x)"),
            flush=True,
        )  # fmt: skip

        ours = sqlite_size(db)
        fts = fts5_size(db, folder / "fts.sqlite3")
        print(_line("FTS5 of the same text (content stored)", f"{fts / 1e6:.1f} MB", 1.0))
        print(_line("paperbot database, SQLite", f"{ours / 1e6:.1f} MB", ours / fts))
        for table, size in table_sizes(db):
            print(f"    {table:<40} {size / 1e6:10.1f} MB")
        postings, posting_bytes = posting_rows(db)
        print(f"    {postings} postings, {postings / count:.0f} a note, {posting_bytes:.1f} B each")

        hashing = read_and_hash(files)
        again, _ = await timed_ingest(url, [corpus])
        print(_line("read and hash every file (baseline)", f"{hashing:.2f} s", 1.0))
        print(_line("unchanged re-ingest", f"{again:.2f} s", again / hashing), flush=True)

        await timed_ingest(f"sqlite:///{small_db}", [small])
        small_rate = await per_note_adding(f"sqlite:///{small_db}", added)
        small_cpu = LAST_CPU[0]
        big_rate = await per_note_adding(url, added)
        big_cpu = LAST_CPU[0]
        print(
            _line(f"adding a day to {small_notes} notes, SQLite", f"{small_rate:.2f} ms/note", 1.0,
                  f"CPU {small_cpu:.2f} ms/note")
        )  # fmt: skip
        print(
            _line(f"adding a day to {count} notes, SQLite", f"{big_rate:.2f} ms/note",
                  big_rate / small_rate, f"CPU {big_cpu:.2f} ms/note ({big_cpu / small_cpu:.2f}x)"),
            flush=True,
        )  # fmt: skip

        if not args.no_postgres:
            pg_first, pg_rate, pg_size = await postgres_run(corpus, added)
            print(
                _line("first ingest, PostgreSQL (vs SQLite)", f"{pg_first:.2f} s", pg_first / first)
            )
            print(
                _line(f"adding a day to {count} notes, PostgreSQL", f"{pg_rate:.2f} ms/note",
                      pg_rate / big_rate, "vs SQLite"),
            )  # fmt: skip
            print(_line("PostgreSQL database size", f"{pg_size / 1e6:.1f} MB"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=50_000, help="corpus size (default 50000)")
    parser.add_argument("--add-days", type=int, default=5, help="days added at the end")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.notes < 100:
        parser.error("--notes must be at least 100")
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
