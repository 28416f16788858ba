"""Ingest: notes files and folders into the store, whole files in one transaction per batch.

A file that can't be read is skipped with a reason naming the file and line; the other files
still go in, and nothing stored before is lost or changed. Every file is hashed first and the
hashes are checked against the store in one query, so an unchanged corpus costs about as much as
reading it. Changed files are stored a few hundred notes per transaction; when the database
refuses a batch, its files are stored again one per transaction, so only the refused file is
skipped. A file that was ingested from a folder and is no longer there has its notes
retracted (kept, never deleted) when that folder is ingested again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.errors import NoteParseError, not_utf8
from bot.ingest.parser import PARSER_VERSION, parse_notes
from bot.models import Note, NoteSource
from bot.ports import Clock
from bot.store.notes import FileChanges, FileUpdate, SqlNoteStore, StoredFile

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PATH_CHARS",
    "FileReport",
    "IngestReport",
    "collect_note_files",
    "ingest_paths",
]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A day of notes is tens of kilobytes; anything over 20 MB is not a notes file."""

MAX_PATH_CHARS = 500
"""Longest stored file identity (its resolved path): what the store's `source_file` columns
hold (PostgreSQL refuses a longer one; SQLite would store it)."""


@dataclass(slots=True)
class FileReport:
    """The outcome for one file: its changes, or why it was skipped."""

    path: str
    changes: FileChanges = field(default_factory=FileChanges)
    warnings: list[str] = field(default_factory=list)
    skipped: str | None = None
    cached: bool = False
    cached_notes: int = 0
    """A cached file's note count: its keys are not read, that is what makes it cheap."""
    gone: bool = False

    def lines(self) -> list[str]:
        """How the ingest commands report this file: one line, then its warnings."""
        if self.skipped is not None:
            return [f"SKIPPED {self.skipped}"]
        changes = self.changes
        if self.gone:
            state = f"the file is gone: {len(changes.retracted)} notes retracted"
        elif self.cached:
            state = "unchanged (cached)"
        else:
            state = (
                f"added {len(changes.added)}, updated {len(changes.updated)}, "
                f"unchanged {len(changes.unchanged)}, retracted {len(changes.retracted)}"
            )
        return [f"{'gone' if self.gone else 'ok':<7} {self.path}: {state}"] + [
            f"warning {warning}" for warning in self.warnings
        ]


@dataclass(slots=True)
class IngestReport:
    """Per-file outcomes and totals for one ingest run."""

    files: list[FileReport] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Things about the run as a whole (a folder found empty, so nothing was retracted)."""

    def total(self, kind: str) -> int:
        """Sum of one change kind (`added`, `updated`, `unchanged`, `retracted`) over all files."""
        cached = sum(r.cached_notes for r in self.files) if kind == "unchanged" else 0
        return cached + sum(len(getattr(report.changes, kind)) for report in self.files)

    @property
    def skipped(self) -> list[FileReport]:
        """The files that were not ingested."""
        return [report for report in self.files if report.skipped is not None]

    @property
    def gone(self) -> list[FileReport]:
        """Files ingested before from a folder of this run that are no longer there."""
        return [report for report in self.files if report.gone]

    def totals_line(self) -> str:
        """The closing line of `paperbot ingest`."""
        gone = f", {len(self.gone)} files gone" if self.gone else ""
        return (
            f"total: {len(self.files) - len(self.gone)} files; added {self.total('added')}, "
            f"updated {self.total('updated')}, unchanged {self.total('unchanged')}, "
            f"retracted {self.total('retracted')}, skipped {len(self.skipped)} files{gone}"
        )

    @property
    def changed_keys(self) -> list[str]:
        """Keys of notes that changed after being stored: added ones are not corrections."""
        return [key for report in self.files for key in report.changes.changed]


def collect_note_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the `*.txt` files under them (hidden ones left out), sorted by path."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(_notes_files_under(path))
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _notes_files_under(folder: Path) -> list[Path]:
    """Walks with `os.scandir`, whose entries know their type: no `stat` per file."""
    found: list[tuple[tuple[str, ...], Path]] = []
    pending: list[tuple[Path, tuple[str, ...]]] = [(folder, ())]
    while pending:
        directory, parts = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError:  # an unreadable subfolder holds no notes we can read
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append((directory / entry.name, (*parts, entry.name)))
            elif entry.name.endswith(".txt") and entry.is_file():
                found.append(((*parts, entry.name), directory / entry.name))
    return [path for _, path in sorted(found)]


class _SourceIds:
    """The stored identity of a file: its absolute path with symlinks resolved (`Path.resolve`),
    so moving a corpus re-homes its notes. Each folder is resolved once, not once per file."""

    def __init__(self) -> None:
        self._folders: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if path.is_symlink():
            return str(path.resolve())
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = str(path.parent.resolve())
        return os.path.join(folder, path.name)


_HOLD_BYTES = 32 * 1024 * 1024
"""How much changed content one pass of the reading thread holds for parsing: bounds memory,
while an unchanged corpus is read in one pass (one hand-off between threads, not one per file)."""


@dataclass(frozen=True, slots=True)
class _Read:
    """One file as read from disk: its content only when it must be parsed."""

    path: Path
    source: str
    data: bytes | None = None
    file_hash: str = ""
    skipped: str | None = None
    current: StoredFile | None = None  # this exact content was ingested by this parser version


def _read_files(
    files: list[Path], stored: dict[str, StoredFile], source_id: _SourceIds
) -> list[_Read]:
    """Read and hash files from the front of `files`, removing them, until `_HOLD_BYTES` of
    changed content is held (in a worker thread: the disk-bound part, off the event loop)."""
    read: list[_Read] = []
    held = 0
    while files and held < _HOLD_BYTES:
        path = files.pop()
        source = source_id(path)
        if (unstorable := _path_problem(source)) is not None:
            read.append(_Read(path, source, skipped=f"{path}: {unstorable}"))
            continue
        try:
            data = _read_limited(path)
        except OSError as exc:
            read.append(_Read(path, source, skipped=f"{path}: cannot read: {exc.strerror or exc}"))
            continue
        except _TooLarge as exc:
            read.append(_Read(path, source, skipped=str(exc)))
            continue
        file_hash = hashlib.sha256(data).hexdigest()
        record = stored.get(source)
        if record is not None and record.is_current(file_hash, PARSER_VERSION):
            read.append(_Read(path, source, current=record))
        else:
            read.append(_Read(path, source, data=data, file_hash=file_hash))
            held += len(data)
    return read


def _path_problem(source: str) -> str | None:
    """Why the store cannot keep this file identity: too long, or a name that is not UTF-8
    (Linux allows any bytes; Python reads the others as lone surrogates, which no database
    text holds)."""
    if (what := not_utf8(source)) is not None:
        return f"its path is not valid UTF-8 ({what}); rename it in UTF-8"
    if len(source) > MAX_PATH_CHARS:
        return f"its path is {len(source):,} characters long; the limit is {MAX_PATH_CHARS}"
    return None


async def ingest_paths(
    paths: Iterable[Path],
    store: SqlNoteStore,
    clock: Clock,
    *,
    on_file: Callable[[FileReport], None] | None = None,
) -> IngestReport:
    """Ingest files and folders; returns what happened to each file.

    Files given by name only ever change their own notes. For each folder given, a file ingested
    from under it before that no longer exists has its notes retracted, unless the folder holds
    no notes files at all (an unmounted volume looks like that): then nothing is retracted and
    the report says so.
    """
    given = list(paths)
    files = collect_note_files(given)
    stored = await store.stored_files()
    report = IngestReport()

    def done(file_report: FileReport) -> None:
        report.files.append(file_report)
        if on_file is not None:
            on_file(file_report)

    seen: set[str] = set()
    source_ids = _SourceIds()
    batch = _Batch()
    unread = files[::-1]  # popped from the end: in path order
    while unread:
        for item in await asyncio.to_thread(_read_files, unread, stored, source_ids):
            seen.add(item.source)
            if item.current is not None:
                batch.reports.append(
                    FileReport(
                        path=str(item.path), cached=True, cached_notes=item.current.note_count
                    )
                )
            else:
                batch.add(_parse_read(item))
                await asyncio.sleep(0)  # parsing is on the loop: a file at a time
            if batch.full:
                await _store_batch(batch, store, clock, done)
    await _store_batch(batch, store, clock, done)
    gone, report.notices = _gone_files(given, seen, stored)
    for record in gone:
        changes = await store.retract_file(record, now=clock.now())
        log.info("%s is gone: retracted %d notes", record.source, len(changes.retracted))
        done(FileReport(path=record.source, changes=changes, gone=True))
    return report


def _gone_files(
    given: list[Path], seen: set[str], stored: dict[str, StoredFile]
) -> tuple[list[StoredFile], list[str]]:
    """Stored files under the folders given that no longer exist, and why some were kept."""
    gone: dict[str, StoredFile] = {}
    notices = []
    for folder in (path.resolve() for path in given if path.is_dir()):
        prefix = os.path.join(folder, "")
        under = [
            record
            for source, record in stored.items()
            if source not in seen and source.startswith(prefix)
        ]
        missing = [record for record in under if not Path(record.source).exists()]
        if not missing:
            continue
        if not any(source.startswith(prefix) for source in seen):
            notices.append(
                f"{folder}: no notes files found; the {len(missing)} files ingested from it "
                "before are kept as they were (is the folder mounted?)"
            )
            continue
        gone.update((record.source, record) for record in missing)
    return sorted(gone.values(), key=lambda record: record.source), notices


BATCH_NOTES = 400
"""How many parsed notes one transaction stores at most (whole files, at least one): a commit
per file would write the index's pages again for every file; a bounded batch keeps the write
lock short and memory small."""


@dataclass(slots=True)
class _Parsed:
    """A changed file, parsed: what `SqlNoteStore.replace_files` stores for it."""

    report: FileReport
    update: FileUpdate


@dataclass(slots=True)
class _Batch:
    """Reports in file order, and the parsed files among them not stored yet."""

    reports: list[FileReport] = field(default_factory=list)
    parsed: list[_Parsed] = field(default_factory=list)
    notes: int = 0

    def add(self, item: FileReport | _Parsed) -> None:
        if isinstance(item, FileReport):
            self.reports.append(item)
            return
        self.reports.append(item.report)
        self.parsed.append(item)
        self.notes += len(item.update.notes)

    @property
    def full(self) -> bool:
        return self.notes >= BATCH_NOTES


def _parse_read(item: _Read) -> FileReport | _Parsed:
    """Parse one changed file: its report when it is skipped, else what to store."""
    report = FileReport(path=str(item.path), skipped=item.skipped)
    if item.data is None:
        return report
    try:
        parsed = parse_notes(item.data, str(item.path))
    except NoteParseError as exc:
        report.skipped = str(exc)
        log.info("skipped %s", exc)  # the caller reports it; logged again it would show twice
        return report
    report.warnings.extend(parsed.warnings)
    notes = tuple(_with_source(note, item.source) for note in parsed.notes)
    return _Parsed(
        report, FileUpdate(item.source, parsed.day, notes, item.file_hash, PARSER_VERSION)
    )


async def _store_batch(
    batch: _Batch, store: SqlNoteStore, clock: Clock, done: Callable[[FileReport], None]
) -> None:
    """Store the batch's files in one transaction; if the database refuses it, store them one
    by one, so only the file it refuses is skipped. Then report every file, in order."""
    if batch.parsed:
        try:
            changes = await store.replace_files(
                [item.update for item in batch.parsed], now=clock.now()
            )
        except DBAPIError:  # IntegrityError included: some file's own transaction will say
            for item in batch.parsed:
                await _store_one(item, store, clock)
        else:
            for item, file_changes in zip(batch.parsed, changes, strict=True):
                item.report.changes = file_changes
    for report in batch.reports:
        done(report)
    batch.reports, batch.parsed, batch.notes = [], [], 0


async def _store_one(item: _Parsed, store: SqlNoteStore, clock: Clock) -> None:
    """Store one parsed file in its own transaction; a refused file is reported skipped."""
    failure = await _store_file(store, clock, item.update, item.report)
    if failure is not None:
        item.report.skipped = (
            f"{item.report.path}: the database refused the file, nothing of it was stored: "
            f"{failure}"
        )
        log.info("ingest of %s rolled back: %s", item.report.path, failure)


async def _store_file(
    store: SqlNoteStore, clock: Clock, update: FileUpdate, report: FileReport
) -> BaseException | None:
    """Store one parsed file; returns the database's reason when it refused the file."""
    for attempt in (1, 2):
        try:
            report.changes = (await store.replace_files([update], now=clock.now()))[0]
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
    """The file's bytes, refused past the limit. Sized from `fstat`: a `read(limit)` would
    allocate the whole limit for every file; what a file grew by, or a pipe holds, is read
    up to the limit."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(min(size, MAX_FILE_BYTES) + 1)
        if len(data) > size:
            data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise _TooLarge(
            f"{path}:1: file is over {MAX_FILE_BYTES // (1024 * 1024)} MB; not a notes file"
        )
    return data


def _with_source(note: Note, source: str) -> Note:
    return replace(note, source=NoteSource(source, note.source.line))
