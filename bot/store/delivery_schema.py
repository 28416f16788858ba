"""Delivery tables: destinations set from chat, their state, digest runs and the message ledger.

Uniqueness lives in the database, not only in code: one run per (destination, digest key), one
message per (destination, digest key, part), one assignment per (destination, note).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.schema import Base
from bot.store.types import JSONList, UTCDateTime

__all__ = [
    "AssignedNoteRow",
    "DeliveryRow",
    "DestinationRow",
    "DestinationStateRow",
    "DigestRunRow",
]

_KEY = 300


class DestinationRow(Base):
    """A destination an admin set up from chat (config-declared ones are not stored here)."""

    __tablename__ = "destinations"

    key: Mapped[str] = mapped_column(String(_KEY), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    schedule: Mapped[str] = mapped_column(String(100))
    filter_text: Mapped[str] = mapped_column(Text)
    max_entries: Mapped[int | None] = mapped_column(Integer, nullable=True)
    layout: Mapped[str] = mapped_column(String(16))
    backfill: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean)
    empty_message: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DestinationStateRow(Base):
    """Runtime state of any destination: where its history starts, failures, pause."""

    __tablename__ = "destination_state"

    key: Mapped[str] = mapped_column(String(_KEY), primary_key=True)
    start_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    started: Mapped[bool] = mapped_column(Boolean, default=False)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    pause_code: Mapped[str | None] = mapped_column(Text, nullable=True)  # pausetext_0001
    """The platform's error code that paused it (`ErrorCode`, `code:detail`), said again as
    advice in the reader's language; None: paused by hand, with no code, or before."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestRunRow(Base):
    """One digest run for one destination and slot; its key can never run twice."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    destination_key: Mapped[str] = mapped_column(String(_KEY))
    digest_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))
    note_keys: Mapped[list[Any] | None] = mapped_column(JSONList, nullable=True)
    filter_text: Mapped[str] = mapped_column(Text, default="")
    overflow: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str] = mapped_column(String(8), default="ko")
    layout: Mapped[str] = mapped_column(String(16), default="thread")
    max_entries: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0006
    empty_message: Mapped[bool] = mapped_column(Boolean, default=False)  # 0006
    matched: Mapped[list[Any] | None] = mapped_column(JSONList, nullable=True)  # delivery_notes
    """A DM run's [note key, the subscriptions that matched it] pairs (channel runs: [])."""
    owner: Mapped[str] = mapped_column(String(64))
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("destination_key", "digest_key", name="uq_digest_runs_slot"),
        Index("ix_digest_runs_status", "status"),
        Index("ix_digest_runs_created", "created_at"),
    )


class DeliveryRow(Base):
    """One message of a run: written `pending` before the send, `sent` with its reference after."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id", ondelete="CASCADE"))
    destination_key: Mapped[str] = mapped_column(String(_KEY))
    digest_key: Mapped[str] = mapped_column(String(100))
    part_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    posted_in: Mapped[str | None] = mapped_column(String(100), nullable=True)  # forum_posted_in
    """The channel the platform posted the message in where it is not `channel` (a Discord
    thread or forum post); None: the channel itself, or a row from before."""
    content_hash: Mapped[str] = mapped_column(String(64))
    note_keys: Mapped[list[Any] | None] = mapped_column(JSONList, nullable=True)  # delivery_notes
    """The notes whose entry the message holds as it was sent or last edited (None: a row from
    before `delivery_notes`, where the renderer is asked again)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("destination_key", "digest_key", "part_no", name="uq_deliveries_part"),
        Index("ix_deliveries_message", "platform", "workspace", "channel", "message_id"),
        Index("ix_deliveries_run", "run_id"),
    )


class AssignedNoteRow(Base):
    """A note taken by a run for a destination: no other run of that destination may take it."""

    __tablename__ = "assigned_notes"

    destination_key: Mapped[str] = mapped_column(String(_KEY), primary_key=True)
    note_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_assigned_notes_note", "note_key"),)
