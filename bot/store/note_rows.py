"""Stored note rows back to core notes: one mapping for every store module."""

from __future__ import annotations

from bot.models import Note, NoteSource
from bot.store.schema import NoteRow

__all__ = ["note_from_row"]


def note_from_row(row: NoteRow) -> Note:
    """Map a stored row back to the core model."""
    return Note(
        key=row.id,
        day=row.day,
        title=row.title,
        authors=tuple(row.authors),
        abstract=row.abstract,
        commentary=row.commentary,
        links=tuple(row.links),
        tags=tuple(row.tags),
        source=NoteSource(row.source_file, row.source_line),
        position=row.position,
        retracted=row.retracted,
    )
