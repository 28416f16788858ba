"""Row counts for `/metrics`: what the database holds, read at scrape time (indexed columns)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.delivery_schema import DeliveryRow, DigestRunRow
from bot.store.schema import NoteRow
from bot.store.subscription_schema import SubscriptionRow

__all__ = ["StoreCounts", "store_counts"]


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """Notes by retraction, digest runs by status, messages by platform and status,
    subscriptions by platform."""

    notes: dict[bool, int]
    runs: dict[str, int]
    messages: dict[tuple[str, str], int]
    subscriptions: dict[str, int]


async def store_counts(engine: AsyncEngine) -> StoreCounts:
    """Four grouped counts in one connection."""
    async with engine.connect() as conn:
        notes = await conn.execute(
            select(NoteRow.retracted, func.count()).group_by(NoteRow.retracted)
        )
        runs = await conn.execute(
            select(DigestRunRow.status, func.count()).group_by(DigestRunRow.status)
        )
        messages = await conn.execute(
            select(DeliveryRow.platform, DeliveryRow.status, func.count()).group_by(
                DeliveryRow.platform, DeliveryRow.status
            )
        )
        subscriptions = await conn.execute(
            select(SubscriptionRow.platform, func.count()).group_by(SubscriptionRow.platform)
        )
        return StoreCounts(
            notes={bool(retracted): n for retracted, n in notes},
            runs={status: n for status, n in runs},
            messages={(platform, status): n for platform, status, n in messages},
            subscriptions={platform: n for platform, n in subscriptions},
        )
