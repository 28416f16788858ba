"""Tables. Every change to them goes through a migration in `migrations/versions/`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import JSONList, UTCDateTime

__all__ = ["Base", "IngestedFileRow", "NoteRow", "NoteTagRow"]


class Base(DeclarativeBase):
    """Declarative base; its metadata is what migrations are checked against."""


class NoteRow(Base):
    """One note. Never deleted by an ingest: a note gone from its file is marked retracted."""

    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(JSONList)
    abstract: Mapped[str] = mapped_column(Text)
    commentary: Mapped[str] = mapped_column(Text)
    links: Mapped[list[Any]] = mapped_column(JSONList)
    tags: Mapped[list[Any]] = mapped_column(JSONList)
    source_file: Mapped[str] = mapped_column(String(500), index=True)
    source_line: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_notes_day_position", "day", "position"),)


class NoteTagRow(Base):
    """A note's tag, for filtering by tag in SQL."""

    __tablename__ = "note_tags"

    note_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class IngestedFileRow(Base):
    """The last successful ingest of a notes file, so an unchanged file costs one lookup."""

    __tablename__ = "ingested_files"

    source_file: Mapped[str] = mapped_column(String(500), primary_key=True)
    file_hash: Mapped[str] = mapped_column(String(64))
    parser_version: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    note_count: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
