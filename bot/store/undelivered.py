"""The candidate notes of a destination's next digest, selected in SQL.

Live notes from the destination's start day on that no run of it has taken yet (an anti-join
on `assigned_notes`), so a fan-out to many destinations never scans the whole corpus per
destination in Python.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.models import Note
from bot.store.delivery_schema import AssignedNoteRow
from bot.store.notes import note_from_row
from bot.store.schema import NoteRow

__all__ = ["SqlUndeliveredNotes"]


class SqlUndeliveredNotes:
    """Reads only; the digest builder still applies the filter and the cap."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def for_destination(self, dest_key: str, since: date | None) -> list[Note]:
        """Untaken live notes of `dest_key` from `since` (None: all), oldest day first."""
        taken = exists().where(
            AssignedNoteRow.destination_key == dest_key, AssignedNoteRow.note_key == NoteRow.id
        )
        query = select(NoteRow).where(NoteRow.retracted.is_(False), ~taken)
        if since is not None:
            query = query.where(NoteRow.day >= since)
        query = query.order_by(NoteRow.day, NoteRow.position, NoteRow.id)
        async with self._sessions() as session:
            return [note_from_row(row) for row in await session.scalars(query)]
