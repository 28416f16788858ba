"""Ingest: notes files and folders into the store, one transaction per file.

A file that can't be read is skipped with a reason naming the file and line; the other files
still go in, and nothing stored before is lost or changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.errors import NoteParseError
from bot.ingest.parser import PARSER_VERSION, parse_notes
from bot.models import Note, NoteSource
from bot.ports import Clock
from bot.store.notes import FileChanges, SqlNoteStore

__all__ = [
    "MAX_FILE_BYTES",
    "FileReport",
    "IngestReport",
    "collect_note_files",
    "ingest_paths",
]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A day of notes is tens of kilobytes; anything over 20 MB is not a notes file."""


@dataclass(slots=True)
class FileReport:
    """The outcome for one file: its changes, or why it was skipped."""

    path: str
    changes: FileChanges = field(default_factory=FileChanges)
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None
    cached: bool = False


@dataclass(slots=True)
class IngestReport:
    """Per-file outcomes and totals for one ingest run."""

    files: list[FileReport] = field(default_factory=list)

    def total(self, kind: str) -> int:
        """Sum of one change kind (`added`, `updated`, `unchanged`, `retracted`) over all files."""
        return sum(len(getattr(report.changes, kind)) for report in self.files)

    @property
    def skipped(self) -> list[FileReport]:
        """The files that were not ingested."""
        return [report for report in self.files if report.skipped is not None]

    @property
    def changed_keys(self) -> list[str]:
        """Keys of notes that changed after being stored: added ones are not corrections."""
        return [key for report in self.files for key in report.changes.changed]


def collect_note_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the `*.txt` files under them (hidden ones left out), sorted by path."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*.txt")
                    if p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _source_id(path: Path) -> str:
    """The stored identity of a file: its absolute path, so moving a corpus re-homes its notes."""
    return str(path.resolve())


async def ingest_paths(
    paths: Iterable[Path],
    store: SqlNoteStore,
    clock: Clock,
    *,
    on_file: Callable[[FileReport], None] | None = None,
) -> IngestReport:
    """Ingest files and folders; returns what happened to each file."""
    report = IngestReport()
    for path in collect_note_files(paths):
        file_report = await ingest_file(path, store, clock)
        report.files.append(file_report)
        if on_file is not None:
            on_file(file_report)
    return report


async def ingest_file(path: Path, store: SqlNoteStore, clock: Clock) -> FileReport:
    """Ingest one file in one transaction."""
    report = FileReport(path=str(path))
    try:
        data = _read_limited(path)
    except OSError as exc:
        report.skipped = f"{path}: cannot read: {exc.strerror or exc}"
        return report
    except _TooLarge as exc:
        report.skipped = str(exc)
        return report
    source = _source_id(path)
    file_hash = hashlib.sha256(data).hexdigest()
    if await store.file_is_current(source, file_hash, PARSER_VERSION):
        report.cached = True
        report.changes.unchanged.extend(await store.keys_from(source))
        return report
    try:
        parsed = parse_notes(data, str(path))
    except NoteParseError as exc:
        report.skipped = str(exc)
        log.warning("skipped %s", exc)
        return report
    report.warnings.extend(parsed.warnings)
    notes = [_with_source(note, source) for note in parsed.notes]
    failure = await _store_file(store, clock, source, parsed.day, notes, file_hash, report)
    if failure is not None:
        report.skipped = (
            f"{path}: the database refused the file, nothing of it was stored: {failure}"
        )
        log.error("ingest of %s rolled back: %s", path, failure)
    return report


async def _store_file(
    store: SqlNoteStore,
    clock: Clock,
    source: str,
    day: date,
    notes: list[Note],
    file_hash: str,
    report: FileReport,
) -> BaseException | None:
    """Store one parsed file; returns the database's reason when it refused the file."""
    for attempt in (1, 2):
        try:
            report.changes = await store.replace_file(
                source, day, notes, file_hash=file_hash, parser_version=PARSER_VERSION,
                now=clock.now(),
            )  # fmt: skip
            return None
        except IntegrityError as exc:
            # Another process may have ingested the same file at this moment: retry once.
            if attempt == 2:
                return exc.orig
        except DBAPIError as exc:
            return exc.orig
    return None


class _TooLarge(Exception):
    pass


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _TooLarge(
            f"{path}:1: file is over {MAX_FILE_BYTES // (1024 * 1024)} MB; not a notes file"
        )
    return data


def _with_source(note: Note, source: str) -> Note:
    return replace(note, source=NoteSource(source, note.source.line))
