"""Read models of the ledger: runs as `paperbot deliveries` and corrections see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest.build import RunSnapshot
from bot.models import Layout, MessageRef, Platform
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
    "snapshot_of",
    "snapshot_values",
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
    snapshot: RunSnapshot


def snapshot_of(run: DigestRunRow) -> RunSnapshot | None:
    """What the run took and how it renders; None while its notes are not taken yet."""
    if run.note_keys is None:
        return None
    return RunSnapshot(
        note_keys=tuple(run.note_keys),
        filter_text=run.filter_text,
        overflow=run.overflow,
        locale=run.locale,
        layout=Layout(run.layout),
        max_entries=run.max_entries,
        empty_message=run.empty_message,
        matched=tuple((str(key), str(why)) for key, why in run.matched or ()),
    )


def snapshot_values(snapshot: RunSnapshot) -> dict[str, object]:
    """The `digest_runs` columns that store a snapshot."""
    return {
        "note_keys": list(snapshot.note_keys),
        "filter_text": snapshot.filter_text,
        "overflow": snapshot.overflow,
        "locale": snapshot.locale,
        "layout": snapshot.layout.value,
        "max_entries": snapshot.max_entries,
        "empty_message": snapshot.empty_message,
        "matched": [list(pair) for pair in snapshot.matched],
    }


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
    snapshot = snapshot_of(run) or RunSnapshot(note_keys=())
    return RunView(
        id=run.id,
        destination_key=run.destination_key,
        digest_key=run.digest_key,
        status=run.status,
        trigger=run.trigger,
        notes=len(snapshot.note_keys),
        sent_parts=sum(1 for p in parts if p.status == SENT),
        parts=len(parts),
        attempts=run.attempts,
        error=run.error or next((p.last_error for p in parts if p.last_error), ""),
        created_at=run.created_at,
        finished_at=run.finished_at,
        snapshot=snapshot,
    )
