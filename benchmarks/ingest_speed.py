"""Ingest speed on a synthetic corpus, beside parsing alone measured in the same run.

    python benchmarks/ingest_speed.py [--files 1000] [--notes-per-file 10] [--database-url URL]

Prints: parse-only time (the baseline), first ingest, unchanged re-ingest (file-hash cache), and
re-ingest after one note per file was edited, each with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bot.app import open_app
from bot.ingest.importer import collect_note_files, ingest_paths
from bot.ingest.parser import parse_notes

WORDS = [
    "model",
    "training",
    "reward",
    "scaling",
    "attention",
    "sparse",
    "autoencoder",
    "alignment",
    "data",
]
KOREAN = [
    "가중치",
    "평균",
    "보상",
    "모델",
    "학습",
    "평가",
    "데이터셋",
    "정렬",
    "희소",
    "오토인코더",
]


def _note(rng: random.Random, i: int) -> str:
    title = " ".join(rng.choice(WORDS).title() for _ in range(6)) + f" {i}"
    abstract = " ".join(rng.choice(WORDS) for _ in range(180))
    comment = " ".join(rng.choice(KOREAN) for _ in range(40))
    tags = " ".join(f"#{rng.choice(WORDS)}" for _ in range(2))
    return f"{title}\n(Author A, Author B)\n{abstract}\n{comment}\n{tags}\n"


def write_corpus(root: Path, files: int, per_file: int, seed: int = 7) -> None:
    """Write `files` daily notes files of `per_file` notes each."""
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    for n in range(files):
        day = start + timedelta(days=n)
        body = "".join(_note(rng, i) for i in range(per_file))
        (root / f"{day.isoformat()}.txt").write_text(f"{day.isoformat()}\n{body}", "utf-8")


def _edit_one_note_per_file(root: Path) -> None:
    for path in root.glob("*.txt"):
        text = path.read_text("utf-8")
        path.write_text(text.replace("\n#", " 수정\n#", 1), "utf-8")


async def _timed_ingest(root: Path, url: str) -> tuple[float, str]:
    async with open_app(url) as app:
        started = time.perf_counter()
        report = await ingest_paths([root], app.notes, app.clock)
        elapsed = time.perf_counter() - started
    summary = (
        f"added {report.total('added')}, updated {report.total('updated')}, "
        f"unchanged {report.total('unchanged')}"
    )
    return elapsed, summary


def _parse_only(root: Path) -> float:
    started = time.perf_counter()
    for path in collect_note_files([root]):
        parse_notes(path.read_bytes(), str(path))
    return time.perf_counter() - started


async def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--notes-per-file", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notes"
        root.mkdir()
        write_corpus(root, args.files, args.notes_per_file)
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        baseline = _parse_only(root)
        notes = args.files * args.notes_per_file
        print(f"corpus: {args.files} files, {notes} notes; database: {url.split('://')[0]}")
        print(f"parse only (baseline)      {baseline:7.2f} s   1.00x")
        for label, prepare in (
            ("first ingest", None),
            ("unchanged re-ingest", None),
            ("one edit per file", _edit_one_note_per_file),
        ):
            if prepare is not None:
                prepare(root)
            elapsed, summary = await _timed_ingest(root, url)
            print(f"{label:<26} {elapsed:7.2f} s {elapsed / baseline:6.2f}x   ({summary})")


if __name__ == "__main__":
    asyncio.run(main())
