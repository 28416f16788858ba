"""The notes repository: file-at-a-time upserts that never delete, and reads for export.

Derived indexes (search) are kept in step through an injected `NoteIndexer`, inside the same
transaction; the store itself knows tables and rows, not how notes are searched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.models import Note
from bot.store.note_rows import note_from_row
from bot.store.schema import IngestedFileRow, NoteRow, NoteTagRow

__all__ = ["FileChanges", "NoteIndexer", "SqlNoteStore", "StoredFile", "note_from_row"]


class NoteIndexer(Protocol):
    """Keeps an index of the notes in step with a file's ingest, in the ingest's transaction."""

    async def update(
        self, session: AsyncSession, notes: Sequence[Note], retracted: Sequence[str]
    ) -> None:
        """(Re)index `notes` (added or changed, rows already flushed); drop `retracted` keys."""


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
    """One `replace_file` call is one transaction: a file goes in whole or not at all.

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
        async with self._sessions() as session, session.begin():
            keys = [note.key for note in notes]
            existing = {
                row.id: row
                for row in await session.scalars(
                    select(NoteRow).where(NoteRow.id.in_(keys) | (NoteRow.source_file == source))
                )
            }
            changes = FileChanges()
            wanted = set(keys)
            for note in notes:
                self._upsert_note(session, existing.get(note.key), note, now, changes)
            for key, row in existing.items():
                if row.source_file == source and key not in wanted and not row.retracted:
                    row.retracted, row.retracted_at, row.updated_at = True, now, now
                    changes.retracted.append(key)
            await self._replace_tags(session, notes, changes)
            await session.flush()  # the index rows reference the note rows
            if self._indexer is not None:
                reindex = {*changes.added, *changes.updated}
                await self._indexer.update(
                    session, [n for n in notes if n.key in reindex], changes.retracted
                )
            await self._record_file(
                session, source, day, len(notes), file_hash, parser_version, now
            )
        return changes

    @staticmethod
    def _upsert_note(
        session: AsyncSession,
        row: NoteRow | None,
        note: Note,
        now: datetime,
        changes: FileChanges,
    ) -> None:
        if row is None:
            row = NoteRow(id=note.key, created_at=now)
            _fill_row(row, note, now)
            session.add(row)
            changes.added.append(note.key)
        elif row.content_hash != note.content_hash or row.retracted:
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
        session.add_all(
            NoteTagRow(note_id=note.key, tag=tag, position=i)
            for note in notes
            if note.key in rewritten
            for i, tag in enumerate(note.tags)
        )

    async def _record_file(
        self,
        session: AsyncSession,
        source: str,
        day: date,
        count: int,
        file_hash: str,
        parser_version: int,
        now: datetime,
    ) -> None:
        record = await session.get(IngestedFileRow, source)
        if record is None:
            record = IngestedFileRow(source_file=source)
            session.add(record)
        record.file_hash, record.parser_version = file_hash, parser_version
        record.day, record.note_count, record.ingested_at = day, count, now

    async def iter_notes(self, *, include_retracted: bool = True) -> AsyncIterator[Note]:
        """Every stored note by day, then position in its file; streamed, so any corpus fits."""
        query = select(NoteRow).order_by(NoteRow.day, NoteRow.position, NoteRow.id)
        if not include_retracted:
            query = query.where(NoteRow.retracted.is_(False))
        async with self._sessions() as session:
            result = await session.stream_scalars(query.execution_options(yield_per=500))
            async for row in result:
                yield note_from_row(row)

    async def get(self, keys: Iterable[str]) -> list[Note]:
        """The notes with these keys, in the order asked; unknown keys are left out."""
        wanted = list(keys)
        async with self._sessions() as session:
            found = await session.scalars(select(NoteRow).where(NoteRow.id.in_(wanted)))
            rows = {row.id: row for row in found}
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
