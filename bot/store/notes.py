"""The notes repository: file-at-a-time upserts that never delete, and reads for export.

Derived indexes (search) are kept in step through an injected `NoteIndexer`, inside the same
transaction; the store itself knows tables and rows, not how notes are searched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.errors import not_utf8
from bot.models import Note
from bot.store.note_rows import note_from_row
from bot.store.schema import IngestedFileRow, NoteRow, NoteTagRow

__all__ = [
    "FileChanges",
    "FileUpdate",
    "NoteIndexer",
    "SqlNoteStore",
    "StoredFile",
    "note_from_row",
]


class NoteIndexer(Protocol):
    """Keeps an index of the notes in step with a file's ingest, in the ingest's transaction."""

    async def prepare(self, notes: Sequence[Note]) -> object:
        """Work out what can be worked out before the transaction (tokenising): the store
        holds SQLite's write lock only while it writes. Handed back to `update` as it is."""

    async def update(
        self,
        session: AsyncSession,
        notes: Sequence[Note],
        retracted: Sequence[str],
        previous: Mapping[str, Note] | None = None,
        prepared: object = None,
    ) -> None:
        """(Re)index `notes` (added or changed, rows already flushed); drop `retracted` keys.
        `previous` holds the version stored before this change of each changed or retracted
        note (so the index can tell what it held without keeping a copy)."""


@dataclass(slots=True)
class FileChanges:
    """What one file's ingest changed, by note key."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        """Keys whose stored content changed: what corrections must edit in posted messages."""
        return [*self.updated, *self.retracted]


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What the last successful ingest of one notes file recorded."""

    source: str
    file_hash: str
    parser_version: int
    day: date
    note_count: int

    def is_current(self, file_hash: str, parser_version: int) -> bool:
        """True when this exact content was already ingested by this parser version."""
        return self.file_hash == file_hash and self.parser_version == parser_version


@dataclass(frozen=True, slots=True)
class FileUpdate:
    """One parsed notes file to store: what `replace_file` takes, for `replace_files`."""

    source: str
    day: date
    notes: Sequence[Note]
    file_hash: str
    parser_version: int


class _IndexBatch:
    """Index work gathered over the files of one transaction, written in one go.

    A key met a second time (a note moving between two files of the batch) first writes what
    was gathered, so the index sees every change in the order the files made them.
    """

    def __init__(self) -> None:
        self.notes: list[Note] = []
        self.retracted: list[str] = []
        self.previous: dict[str, Note] = {}
        self._keys: set[str] = set()

    def overlaps(self, notes: Sequence[Note], retracted: Sequence[str]) -> bool:
        return any(n.key in self._keys for n in notes) or any(k in self._keys for k in retracted)

    def add(
        self, notes: Sequence[Note], retracted: Sequence[str], previous: Mapping[str, Note]
    ) -> None:
        self.notes.extend(notes)
        self.previous.update(previous)
        self.retracted.extend(retracted)
        self._keys.update(n.key for n in notes)
        self._keys.update(retracted)

    async def flush(self, session: AsyncSession, indexer: NoteIndexer, prepared: object) -> None:
        if self.notes or self.retracted:
            await indexer.update(session, self.notes, self.retracted, self.previous, prepared)
        self.notes, self.retracted, self.previous, self._keys = [], [], {}, set()


def _storable(key: str) -> bool:
    """A key a stored note can have: no NUL, and encodable as UTF-8 (no lone surrogate)."""
    return "\x00" not in key and not_utf8(key) is None


def _new_row(note: Note, now: datetime) -> dict[str, object]:
    return {
        "id": note.key,
        "day": note.day,
        "title": note.title,
        "authors": list(note.authors),
        "abstract": note.abstract,
        "commentary": note.commentary,
        "links": list(note.links),
        "tags": list(note.tags),
        "source_file": note.source.file,
        "source_line": note.source.line,
        "position": note.position,
        "content_hash": note.content_hash,
        "retracted": False,
        "retracted_at": None,
        "created_at": now,
        "updated_at": now,
    }


def _fill_row(row: NoteRow, note: Note, now: datetime) -> None:
    row.day = note.day
    row.title = note.title
    row.authors = list(note.authors)
    row.abstract = note.abstract
    row.commentary = note.commentary
    row.links = list(note.links)
    row.tags = list(note.tags)
    row.source_file = note.source.file
    row.source_line = note.source.line
    row.position = note.position
    row.content_hash = note.content_hash
    row.retracted = False
    row.retracted_at = None
    row.updated_at = now


class SqlNoteStore:
    """One `replace_file` (or `replace_files`) call is one transaction: its files go in whole
    or not at all.

    Without an `indexer` notes are stored but no index follows them: for processes that only
    read notes (the composition root passes the search indexer to the store that ingests).
    """

    def __init__(self, engine: AsyncEngine, *, indexer: NoteIndexer | None = None) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._indexer = indexer

    async def stored_files(self) -> dict[str, StoredFile]:
        """Every file ingested before, by stored source, in one query.

        One row per notes file (a day), so even a years-long corpus is a few thousand rows:
        cheaper to read whole than to look up file by file.
        """
        query = select(
            IngestedFileRow.source_file,
            IngestedFileRow.file_hash,
            IngestedFileRow.parser_version,
            IngestedFileRow.day,
            IngestedFileRow.note_count,
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {row[0]: StoredFile(*row) for row in rows}

    async def retract_file(self, gone: StoredFile, *, now: datetime) -> FileChanges:
        """A notes file that no longer exists: retract its live notes, then forget the file.

        The notes are kept (retracted, as for a note removed from its file). Two steps, each
        safe to repeat: after a crash between them the next ingest retracts nothing more and
        forgets the file.
        """
        changes = await self.replace_file(
            gone.source, gone.day, [], file_hash=gone.file_hash, parser_version=0, now=now
        )
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(IngestedFileRow).where(IngestedFileRow.source_file == gone.source)
            )
        return changes

    async def replace_file(
        self,
        source: str,
        day: date,
        notes: Sequence[Note],
        *,
        file_hash: str,
        parser_version: int,
        now: datetime,
    ) -> FileChanges:
        """Make the stored notes of `source` match `notes`: add, update, retract; never delete."""
        update = FileUpdate(source, day, tuple(notes), file_hash, parser_version)
        return (await self.replace_files([update], now=now))[0]

    async def replace_files(
        self, files: Sequence[FileUpdate], *, now: datetime
    ) -> list[FileChanges]:
        """`replace_file` for several files in one transaction: all of them or none.

        One commit for many files writes each index page once instead of once per file (the
        caller falls back to one file at a time when the database refuses the batch). Each file
        is applied in order exactly as on its own; the index follows in bulk at the end.
        """
        results: list[FileChanges] = []
        prepared = None
        if self._indexer is not None:
            prepared = await self._indexer.prepare([n for file in files for n in file.notes])
        async with self._sessions() as session, session.begin():
            pending = _IndexBatch()
            for file in files:
                changes, previous = await self._replace_one(session, file, now)
                results.append(changes)
                if self._indexer is not None:
                    reindex = {*changes.added, *changes.updated}
                    notes = [n for n in file.notes if n.key in reindex]
                    if pending.overlaps(notes, changes.retracted):
                        await pending.flush(session, self._indexer, prepared)
                    pending.add(notes, changes.retracted, previous)
            if self._indexer is not None:
                await pending.flush(session, self._indexer, prepared)
        return results

    async def _replace_one(
        self, session: AsyncSession, file: FileUpdate, now: datetime
    ) -> tuple[FileChanges, dict[str, Note]]:
        """Apply one file; returns its changes and the stored versions of the notes it changed
        or retracted, as they were before."""
        keys = [note.key for note in file.notes]
        existing = {
            row.id: row
            for row in await session.scalars(
                select(NoteRow).where(NoteRow.id.in_(keys) | (NoteRow.source_file == file.source))
            )
        }
        changes = FileChanges()
        previous: dict[str, Note] = {}
        wanted = set(keys)
        fresh: list[dict[str, object]] = []
        for note in file.notes:
            row = existing.get(note.key)
            if row is None:
                fresh.append(_new_row(note, now))
                changes.added.append(note.key)
            else:
                self._update_note(row, note, now, changes, previous)
        for key, row in existing.items():
            if row.source_file == file.source and key not in wanted and not row.retracted:
                previous[key] = note_from_row(row)
                row.retracted, row.retracted_at, row.updated_at = True, now, now
                changes.retracted.append(key)
        if fresh:  # new rows in one multi-row insert, not one ORM object each
            await session.execute(insert(NoteRow), fresh)
        await self._replace_tags(session, file.notes, changes)
        await session.flush()  # the index rows reference the note rows
        await self._record_file(session, file, now)
        return changes, previous

    @staticmethod
    def _update_note(
        row: NoteRow, note: Note, now: datetime, changes: FileChanges, previous: dict[str, Note]
    ) -> None:
        if row.content_hash != note.content_hash or row.retracted:
            previous[note.key] = note_from_row(row)
            _fill_row(row, note, now)
            changes.updated.append(note.key)
        else:
            row.source_file, row.source_line = note.source.file, note.source.line
            row.position = note.position
            changes.unchanged.append(note.key)

    @staticmethod
    async def _replace_tags(
        session: AsyncSession, notes: Sequence[Note], changes: FileChanges
    ) -> None:
        """Write the tag rows of added notes and rewrite those of edited ones."""
        if changes.updated:
            await session.execute(delete(NoteTagRow).where(NoteTagRow.note_id.in_(changes.updated)))
        rewritten = {*changes.added, *changes.updated}
        rows = [
            {"note_id": note.key, "tag": tag, "position": i}
            for note in notes
            if note.key in rewritten
            for i, tag in enumerate(note.tags)
        ]
        if rows:
            await session.execute(insert(NoteTagRow), rows)

    @staticmethod
    async def _record_file(session: AsyncSession, file: FileUpdate, now: datetime) -> None:
        record = await session.get(IngestedFileRow, file.source)
        if record is None:
            record = IngestedFileRow(source_file=file.source)
            session.add(record)
        record.file_hash, record.parser_version = file.file_hash, file.parser_version
        record.day, record.note_count, record.ingested_at = file.day, len(file.notes), now

    async def iter_notes(self, *, include_retracted: bool = True) -> AsyncIterator[Note]:
        """Every stored note by day, then position in its file; streamed, so any corpus fits."""
        query = select(NoteRow).order_by(NoteRow.day, NoteRow.position, NoteRow.id)
        if not include_retracted:
            query = query.where(NoteRow.retracted.is_(False))
        async with self._sessions() as session:
            result = await session.stream_scalars(query.execution_options(yield_per=500))
            async for row in result:
                yield note_from_row(row)

    async def get(
        self, keys: Iterable[str], *, connection: AsyncConnection | None = None
    ) -> list[Note]:
        """The notes with these keys, in the order asked; unknown keys are left out.

        With `connection`, read on it (a search's page, on the connection that ranked it: no
        second checkout, and on SQLite fewer hops to the driver's thread)."""
        wanted = list(keys)
        # No key holds a NUL or a lone surrogate (the parser refuses both; PostgreSQL text
        # cannot hold a NUL, and UTF-8 cannot encode a surrogate): a key from a tampered button
        # or a typed `id:` with one is not found, on either engine.
        query = select(NoteRow).where(NoteRow.id.in_([k for k in wanted if _storable(k)]))
        if connection is not None:
            async with AsyncSession(bind=connection) as session:
                rows = {row.id: row for row in await session.scalars(query)}
        else:
            async with self._sessions() as session:
                rows = {row.id: row for row in await session.scalars(query)}
        return [note_from_row(rows[k]) for k in wanted if k in rows]

    async def newest_day(self) -> date | None:
        """The latest notes day that has a note not retracted."""
        async with self._sessions() as session:
            return await session.scalar(
                select(func.max(NoteRow.day)).where(NoteRow.retracted.is_(False))
            )

    async def on_day(self, day: date, *, include_retracted: bool = False) -> list[Note]:
        """A day's notes in file order."""
        query = select(NoteRow).where(NoteRow.day == day).order_by(NoteRow.position, NoteRow.id)
        if not include_retracted:
            query = query.where(NoteRow.retracted.is_(False))
        async with self._sessions() as session:
            return [note_from_row(row) for row in await session.scalars(query)]

    async def count(self, *, include_retracted: bool = False) -> int:
        """How many notes are stored."""
        query = select(func.count()).select_from(NoteRow)
        if not include_retracted:
            query = query.where(NoteRow.retracted.is_(False))
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)
