"""Read models of the ledger: runs as `paperbot deliveries` and corrections see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import MessageRef, Platform
from bot.store.delivery_schema import DeliveryRow, DigestRunRow

__all__ = [
    "EMPTY",
    "FAILED",
    "PENDING",
    "SENT",
    "RunView",
    "part_ref",
    "parts_by_run",
    "run_view",
]

# Run and message statuses in the ledger.
PENDING, SENT, EMPTY, FAILED = "pending", "sent", "empty", "failed"


@dataclass(frozen=True, slots=True)
class RunView:
    """A run as `paperbot deliveries` and `/paper channel show` see it."""

    id: int
    destination_key: str
    digest_key: str
    status: str
    trigger: str
    notes: int
    sent_parts: int
    parts: int
    attempts: int
    error: str
    created_at: datetime
    finished_at: datetime | None
    note_keys: tuple[str, ...]
    filter_text: str
    overflow: int
    locale: str
    layout: str


def part_ref(row: DeliveryRow) -> MessageRef | None:
    if row.status != SENT or row.message_id is None:
        return None
    return MessageRef(Platform(row.platform), row.workspace, row.channel, row.message_id)


async def parts_by_run(
    session: AsyncSession, run_ids: Sequence[int]
) -> dict[int, list[DeliveryRow]]:
    grouped: dict[int, list[DeliveryRow]] = {}
    if not run_ids:
        return grouped
    rows = await session.scalars(
        select(DeliveryRow).where(DeliveryRow.run_id.in_(run_ids)).order_by(DeliveryRow.part_no)
    )
    for row in rows:
        grouped.setdefault(row.run_id, []).append(row)
    return grouped


def run_view(run: DigestRunRow, parts: list[DeliveryRow]) -> RunView:
    keys = tuple(run.note_keys or ())
    return RunView(
        id=run.id,
        destination_key=run.destination_key,
        digest_key=run.digest_key,
        status=run.status,
        trigger=run.trigger,
        notes=len(keys),
        sent_parts=sum(1 for p in parts if p.status == SENT),
        parts=len(parts),
        attempts=run.attempts,
        error=run.error or next((p.last_error for p in parts if p.last_error), ""),
        created_at=run.created_at,
        finished_at=run.finished_at,
        note_keys=keys,
        filter_text=run.filter_text,
        overflow=run.overflow,
        locale=run.locale,
        layout=run.layout,
    )
