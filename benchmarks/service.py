#!/usr/bin/env python3
"""Start-up speed and memory of `paperbot run` with 50,000 notes stored, beside bare imports in the
same run.

    .venv/bin/python benchmarks/service.py [--entries 50000] [--workdir DIR] [--rounds 3]

The corpus (benchmarks/synthetic.py, written as daily notes files) and its SQLite database are
built once in the work folder and reused by later runs. The database holds what an ingest of the
folder leaves (every note, its tags, each file's hash and parser version), loaded in bulk without
the search index: neither start-up nor an unchanged re-ingest reads the index, and building it
would take most of an hour here (`--with-index` ingests for real instead).
Then it measures, each the median of `--rounds` runs:

- `paperbot run` from spawn to the first `/readyz` 200 (the start-up re-ingest of the unchanged
  folder runs in the background), beside a bare `python -c "import aiohttp, sqlalchemy,
  apscheduler, jinja2, slack_bolt, discord"` (the libraries the service stands on; target: ready
  within 2 s of it) and `python -c "import bot.cli, bot.cli_run"`, and to the end of that
  re-ingest;
- the service's resident memory (VmRSS of /proc) at ready and once the re-ingest is done
  (target: under 200 MB);
- an unchanged re-ingest of the whole folder in-process, beside reading and hashing every file
  (target: within 3x);
- `paperbot --version` beside `python -c pass`;
- with `--also-url URL` (an empty database, e.g. PostgreSQL): the same rows loaded there and its
  unchanged re-ingest beside reading and hashing.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from search_speed import _note_rows  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from synthetic import Pools, synthetic_days  # noqa: E402

from bot.app import open_app  # noqa: E402
from bot.ingest.importer import collect_note_files, ingest_paths  # noqa: E402
from bot.ingest.parser import PARSER_VERSION, parse_notes  # noqa: E402
from bot.models import Note, NoteSource  # noqa: E402
from bot.store.schema import IngestedFileRow, NoteRow, NoteTagRow  # noqa: E402

PYTHON = sys.executable
READY_LINE = re.compile(r"health and metrics on http://127\.0\.0\.1:(\d+)/")
INGESTED_LINE = "start-up ingest of"
LIBRARIES = "import aiohttp, sqlalchemy, apscheduler, jinja2, slack_bolt, discord"


def resident_mb(pid: int) -> float:
    """The process's resident memory now (Linux: VmRSS in /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def note_text(note: Note) -> str:
    """One note in the notes format (the parser reads it back to the same fields)."""
    lines = [note.title]
    if note.authors:
        lines.append(f"({', '.join(note.authors)})")
    if note.abstract:
        lines.append(note.abstract)
    lines.append(note.commentary)
    lines.append(" ".join(f"#{tag}" for tag in note.tags))
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, entries: int) -> int:
    """Write the synthetic corpus as one notes file per day; returns how many files."""
    folder.mkdir(parents=True, exist_ok=True)
    pools = Pools.from_seeds(ROOT.parent / "seeds")
    files = 0
    for day, notes in synthetic_days(entries, pools):
        body = "".join(note_text(note) for note in notes)
        (folder / f"{day.isoformat()}.txt").write_text(f"{day.isoformat()}\n{body}", "utf-8")
        files += 1
    return files


def _prepare(workdir: Path, entries: int, with_index: bool) -> tuple[Path, str]:
    """The corpus folder and a database holding it, built on first use."""
    notes = workdir / f"notes-{entries}"
    database = workdir / f"paperbot-{entries}{'-indexed' if with_index else ''}.sqlite3"
    url = f"sqlite:///{database}"
    if not (notes / ".complete").exists():
        started = time.perf_counter()
        files = write_corpus(notes, entries)
        (notes / ".complete").write_text("")
        print(f"setup: wrote {files} files in {time.perf_counter() - started:.1f} s")
    if not database.with_suffix(".complete").exists():
        database.unlink(missing_ok=True)
        started = time.perf_counter()
        report = asyncio.run(_ingest(notes, url) if with_index else _load_rows(notes, url))
        database.with_suffix(".complete").write_text("")
        print(f"setup: {report} in {time.perf_counter() - started:.1f} s")
    return notes, url


async def _ingest(notes: Path, url: str) -> str:
    async with open_app(url) as app:
        report = await ingest_paths([notes], app.notes, app.clock)
    return f"first ingest: {report.total('added')} added, {len(report.skipped)} skipped"


async def _load_rows(folder: Path, url: str) -> str:
    """What an ingest of the folder stores, but the search index, in a few big transactions."""
    count = 0
    async with open_app(url) as app:
        now = app.clock.now()
        files = collect_note_files([folder])
        for start in range(0, len(files), 500):
            notes, records = [], []
            for path in files[start : start + 500]:
                data, source = path.read_bytes(), str(path.resolve())
                parsed = parse_notes(data, str(path))
                notes += [
                    replace(n, source=NoteSource(source, n.source.line)) for n in parsed.notes
                ]
                records.append(
                    {
                        "source_file": source,
                        "file_hash": hashlib.sha256(data).hexdigest(),
                        "parser_version": PARSER_VERSION,
                        "day": parsed.day,
                        "note_count": len(parsed.notes),
                        "ingested_at": now,
                    }
                )
            rows, tags = _note_rows(notes, now)
            async with app.engine.begin() as connection:
                await connection.execute(insert(NoteRow), rows)
                await connection.execute(insert(NoteTagRow), tags)
                await connection.execute(insert(IngestedFileRow), records)
            count += len(notes)
    return f"bulk load: {count} notes, {len(files)} files (no search index)"


def _spawn_time(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, *args], check=True, capture_output=True, cwd=ROOT.parent)
    return time.perf_counter() - started


async def _until_ready(notes: Path, url: str, log: Path) -> tuple[float, float, float, float]:
    """Seconds from spawn to `/readyz` 200 and to the end of the start-up re-ingest, and the
    resident memory (MB) at each."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    config = log.with_suffix(".toml")
    config.write_text("")  # no destinations: the terminal, on the default schedule
    with log.open("wb") as err:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            PYTHON, "-m", "bot", "run", "--notes-dir", str(notes), "--database-url", url,
            "--config", str(config), "--http", "127.0.0.1:0", "-v",
            cwd=ROOT.parent, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        ready = await _poll_ready(log)
        ready_at = time.perf_counter() - started
        ready_rss = resident_mb(process.pid)
        while INGESTED_LINE not in _text(log):  # noqa: ASYNC110 - polling the child's log file
            await asyncio.sleep(0.02)
        ingested_at = time.perf_counter() - started
        await asyncio.sleep(1)  # the digest that follows the ingest
        return ready_at, ingested_at, ready_rss, resident_mb(process.pid)
    finally:
        process.terminate()
        await process.wait()
        del ready


async def _poll_ready(log: Path) -> int:
    async with aiohttp.ClientSession() as session:
        while True:
            found = READY_LINE.search(_text(log))
            if found:
                try:
                    async with session.get(f"http://127.0.0.1:{found.group(1)}/readyz") as resp:
                        if resp.status == 200:
                            return int(found.group(1))
                except aiohttp.ClientError:
                    pass
            await asyncio.sleep(0.01)


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


def _read_and_hash(notes: Path) -> float:
    started = time.perf_counter()
    for path in collect_note_files([notes]):
        hashlib.sha256(path.read_bytes()).hexdigest()
    return time.perf_counter() - started


async def _reingest(notes: Path, url: str) -> float:
    async with open_app(url) as app:
        started = time.perf_counter()
        report = await ingest_paths([notes], app.notes, app.clock)
        elapsed = time.perf_counter() - started
    assert not report.total("added") and not report.changed_keys, "the corpus changed"
    return elapsed


def main() -> None:
    """Build (once) and measure; print each figure beside its baseline."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with-index", action="store_true", help="build the database by ingest")
    parser.add_argument(
        "--also-url", help="an empty database (e.g. PostgreSQL) to load and re-ingest too"
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "paperbot-bench-service"
    )
    args = parser.parse_args()
    notes, url = _prepare(args.workdir, args.entries, args.with_index)
    files = len(collect_note_files([notes]))
    print(f"corpus: {args.entries} notes in {files} files, SQLite; median of {args.rounds} rounds")

    log = args.workdir / "run.log"
    rows: dict[str, list[float]] = {}
    for _ in range(args.rounds):  # interleaved: the shared machine's load drifts
        for name, measure in (
            ("hash", lambda: _read_and_hash(notes)),
            ("reingest", lambda: asyncio.run(_reingest(notes, url))),
            ("libraries", lambda: _spawn_time("-c", LIBRARIES)),
            ("bare", lambda: _spawn_time("-c", "import bot.cli, bot.cli_run")),
            ("run", lambda: asyncio.run(_until_ready(notes, url, log))),
            ("pass", lambda: _spawn_time("-c", "pass")),
            ("version", lambda: _spawn_time("-m", "bot", "--version")),
        ):
            result = measure()
            for key, value in zip(
                (name, name + "+", name + "rss", name + "rss+"), _pair(result), strict=False
            ):
                rows.setdefault(key, []).append(value)
    m = {key: statistics.median(values) for key, values in rows.items()}
    lines = [
        ("read and hash every file (baseline)", m["hash"], "1.00x"),
        ("unchanged re-ingest", m["reingest"], f"{m['reingest'] / m['hash']:.2f}x"),
        ("bare import of the libraries", m["libraries"], ""),
        ("bare import of bot.cli, bot.cli_run", m["bare"], ""),
        ("run: spawn to /readyz 200", m["run"], f"{m['run'] - m['libraries']:+.2f} s"),
        ("run: spawn to start-up ingest done", m["run+"], f"{m['run+'] - m['libraries']:+.2f} s"),
        ("python -c pass", m["pass"], ""),
        ("paperbot --version", m["version"], f"{m['version'] - m['pass']:+.2f} s"),
    ]
    for label, seconds, beside in lines:
        print(f"{label:<37}{seconds:7.2f} s  {beside}")
    print(f"{'run: resident memory at ready':<37}{m['runrss']:7.1f} MB (target < 200 MB)")
    print(f"{'run: resident memory after ingest':<37}{m['runrss+']:7.1f} MB")
    if args.also_url:
        print(asyncio.run(_load_rows(notes, args.also_url)))
        hashing = statistics.median(_read_and_hash(notes) for _ in range(args.rounds))
        again = statistics.median(
            asyncio.run(_reingest(notes, args.also_url)) for _ in range(args.rounds)
        )
        print(f"{'read and hash every file':<37}{hashing:7.2f} s  1.00x")
        print(f"{'unchanged re-ingest, --also-url':<37}{again:7.2f} s  {again / hashing:.2f}x")


def _pair(result: float | tuple[float, ...]) -> tuple[float, ...]:
    return result if isinstance(result, tuple) else (result,)


if __name__ == "__main__":
    main()
