"""Subscription tables: who follows what, why (each origin), and how each person's DM comes.

Uniqueness lives in the database, not only in code, so a repeated event (a Slack retry, a
reaction added twice, a replayed restart) can neither double nor drop a subscription: one row
per (person, filter), one origin row per (subscription, origin), one plan per person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.schema import Base
from bot.store.types import UTCDateTime

__all__ = [
    "DmNoticeRow",
    "ReactionMarkRow",
    "SubscriberRow",
    "SubscriptionOriginRow",
    "SubscriptionRow",
]

FILTER_CHARS = 500
ORIGIN_CHARS = 300


class SubscriptionRow(Base):
    """One person follows one filter (`tag:rlhf`, `author:arora -tag:survey`)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(100))
    filter_text: Mapped[str] = mapped_column(String(FILTER_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint(
            "platform", "workspace", "user_id", "filter_text", name="uq_subscriptions_filter"
        ),
    )


class SubscriptionOriginRow(Base):
    """Why a subscription exists: `command`, or the reaction on one message that added it.

    Removing a reaction removes its origin rows; a subscription left with none is gone.
    """

    __tablename__ = "subscription_origins"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    origin: Mapped[str] = mapped_column(String(ORIGIN_CHARS), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_subscription_origins_origin", "origin"),)


class SubscriberRow(Base):
    """A person's DM plan: cadence, local time and zone, language (default: where they began)."""

    __tablename__ = "subscribers"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(16))
    at_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReactionMarkRow(Base):
    """A reaction seen on a message of ours (by an event or the reconcile pass): what the
    reconcile pass compares the platform's reactions with.

    Kept apart from the subscriptions it added, so a person who unsubscribed by command while
    their 🔔 stays on the message is not subscribed again by the next reconcile.
    """

    __tablename__ = "reaction_marks"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_reaction_marks_user", "platform", "workspace", "user_id"),)


class DmNoticeRow(Base):
    """A person whose DM digest could not be sent (paused): the reason, and whether they were
    told it (once: at once where the platform can, else in their next `/paper` answer)."""

    __tablename__ = "dm_notices"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
