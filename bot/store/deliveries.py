"""The delivery ledger: digest runs and their messages, guarded by unique constraints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.digest.build import RunSnapshot
from bot.models import IN_A_DM, Destination, MessageRef
from bot.store.delivery_schema import AssignedNoteRow, DeliveryRow, DigestRunRow
from bot.store.run_views import (
    FAILED,
    PENDING,
    SENT,
    RunView,
    part_ref,
    parts_by_run,
    run_view,
    snapshot_of,
    snapshot_values,
)

__all__ = [
    "LeaseLostError",
    "PartState",
    "PostedMessage",
    "RunClaim",
    "RunView",
    "SqlDeliveryLedger",
]


@dataclass(frozen=True, slots=True)
class RunClaim:
    """A run this process now owns; `snapshot` is None until its notes are taken.

    `owner` and `epoch` are the lease's fencing token: every claim of the run (the first one and
    each takeover) increments the run's `attempts`, so a writer holding an older claim is refused
    even when it has the same owner name.
    """

    id: int
    destination_key: str
    digest_key: str
    snapshot: RunSnapshot | None
    resumed: bool
    owner: str = ""
    epoch: int = 0


@dataclass(frozen=True, slots=True)
class PartState:
    """A message's ledger row as claimed: `ref` is set when it was already sent.

    `notes` are the keys of the notes whose entry it holds, as its renderer reported them when
    it was claimed, sent or last edited (None: a row from before the ledger kept them).
    """

    id: int
    part_no: int
    ref: MessageRef | None
    content_hash: str
    notes: tuple[str, ...] | None = None
    located: MessageRef | None = None
    """Where the message is when that is not `ref`'s channel (a Discord thread reply or forum
    part lives in its thread: edited there); None: at `ref`."""

    @property
    def where(self) -> MessageRef | None:
        """The reference to edit the message through."""
        return self.located or self.ref


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A message the ledger posted: which run and part it is, and the notes its run holds."""

    destination_key: str
    digest_key: str
    part_no: int
    run_id: int
    note_keys: tuple[str, ...]
    workspace: str = ""
    """The workspace it was posted in (a DM reaction's `IN_A_DM` is resolved to this)."""


def _part_state(row: DeliveryRow) -> PartState:
    notes = None if row.note_keys is None else tuple(str(key) for key in row.note_keys)
    ref = part_ref(row)
    located = replace(ref, channel=row.posted_in) if ref is not None and row.posted_in else None
    return PartState(row.id, row.part_no, ref, row.content_hash, notes, located)


class LeaseLostError(Exception):
    """The run was taken over (its lease ran out): this claim may not send or record any more."""

    def __init__(self, run: RunClaim) -> None:
        super().__init__(f"lost the lease of {run.destination_key} {run.digest_key}")
        self.run = run


async def _fence(session: AsyncSession, run: RunClaim, **values: object) -> bool:
    """Update the run row only while `run` still owns it (pending, same owner, same epoch)."""
    result = await session.execute(
        update(DigestRunRow)
        .where(
            DigestRunRow.id == run.id,
            DigestRunRow.owner == run.owner,
            DigestRunRow.attempts == run.epoch,
            DigestRunRow.status == PENDING,
        )
        .values(**values)
        .returning(DigestRunRow.id)
    )
    return result.first() is not None


class SqlDeliveryLedger:
    """Every write is its own short transaction, so a crash loses at most what was in flight."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def claim_run(
        self,
        dest_key: str,
        digest_key: str,
        *,
        trigger: str,
        owner: str,
        now: datetime,
        lease: timedelta,
    ) -> RunClaim | None:
        """Own the run of this slot, or None when it exists and is done or leased by another.

        A pending run whose lease ran out (its owner died) is taken over and resumed.
        """
        row = DigestRunRow(
            destination_key=dest_key,
            digest_key=digest_key,
            status=PENDING,
            trigger=trigger,
            owner=owner,
            lease_until=now + lease,
            attempts=1,
            error="",
            filter_text="",
            overflow=0,
            locale="ko",
            layout="thread",
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            return await self._take_over(dest_key, digest_key, owner, now, lease)
        return RunClaim(row.id, dest_key, digest_key, None, resumed=False, owner=owner, epoch=1)

    async def _take_over(
        self, dest_key: str, digest_key: str, owner: str, now: datetime, lease: timedelta
    ) -> RunClaim | None:
        slot = (DigestRunRow.destination_key == dest_key) & (DigestRunRow.digest_key == digest_key)
        expired = slot & (DigestRunRow.status == PENDING) & (DigestRunRow.lease_until <= now)
        return await self._lease(expired, owner=owner, now=now, lease=lease)

    async def reopen(
        self, run_id: int, *, owner: str, now: datetime, lease: timedelta
    ) -> RunClaim | None:
        """Own a sent run again, to post the parts a correction added; None unless `sent`.

        It is `pending` and leased (a new claim: its epoch goes up) while they go out, so a crash
        leaves it to be taken over and resumed like any run; `finish(..., SENT)` closes it again.
        """
        sent = (DigestRunRow.id == run_id) & (DigestRunRow.status == SENT)
        return await self._lease(sent, owner=owner, now=now, lease=lease, status=PENDING)

    async def _lease(
        self,
        where: ColumnElement[bool],
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        **values: Any,
    ) -> RunClaim | None:
        """Lease the run matching `where` to `owner` as a new claim (its epoch goes up)."""
        async with self._sessions() as session, session.begin():
            taken = await session.execute(
                update(DigestRunRow)
                .where(where)
                .values(
                    owner=owner,
                    lease_until=now + lease,
                    updated_at=now,
                    attempts=DigestRunRow.attempts + 1,
                    **values,
                )
                .returning(DigestRunRow)
            )
            found = taken.scalars().first()
        if found is None:
            return None
        return RunClaim(
            found.id,
            found.destination_key,
            found.digest_key,
            snapshot_of(found),
            resumed=True,
            owner=owner,
            epoch=found.attempts,
        )

    async def renew(self, run: RunClaim, until: datetime) -> bool:
        """Extend this claim's lease; False when another claim (process or task) took it over."""
        async with self._sessions() as session, session.begin():
            return await _fence(session, run, lease_until=until)

    async def hand_back(self, run: RunClaim, now: datetime) -> bool:
        """End this claim's lease now, still pending, so the next leader resumes the run at
        once; the claim keeps no right to write (its owner is cleared). False when another claim
        owned the run already."""
        async with self._sessions() as session, session.begin():
            return await _fence(session, run, lease_until=now, owner="", updated_at=now)

    async def assign(self, run: RunClaim, snapshot: RunSnapshot) -> bool:
        """Store the run's snapshot and take its notes; False if another run took one first.

        Raises:
            LeaseLostError: this claim no longer owns the run (nothing was written).
        """
        values = snapshot_values(snapshot)
        try:
            async with self._sessions() as session, session.begin():
                if not await _fence(session, run, **values):
                    raise LeaseLostError(run)
                session.add_all(
                    AssignedNoteRow(destination_key=run.destination_key, note_key=k, run_id=run.id)
                    for k in snapshot.note_keys
                )
                await session.flush()
        except IntegrityError:
            return False
        return True

    async def claim_part(
        self,
        run_id: int,
        dest: Destination,
        digest_key: str,
        part_no: int,
        content_hash: str,
        now: datetime,
        *,
        notes: Iterable[str] | None = None,
    ) -> PartState:
        """The part's row, written `pending` before its send; a pending one is sent again.

        `notes` are the keys of the notes whose entry the part holds (`Payload.notes`; None:
        not told, so whoever needs them asks the renderer again).
        """
        row = DeliveryRow(
            run_id=run_id,
            destination_key=dest.key,
            digest_key=digest_key,
            part_no=part_no,
            status=PENDING,
            platform=dest.platform.value,
            workspace=dest.workspace,
            channel=dest.channel,
            content_hash=content_hash,
            note_keys=None if notes is None else list(notes),
            attempts=0,
            last_error="",
            created_at=now,
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            async with self._sessions() as session:
                found = await session.scalar(
                    select(DeliveryRow).where(
                        DeliveryRow.destination_key == dest.key,
                        DeliveryRow.digest_key == digest_key,
                        DeliveryRow.part_no == part_no,
                    )
                )
            assert found is not None
            row = found
        return _part_state(row)

    async def note_attempt(self, part_id: int, error: str) -> None:
        """Count a failed send attempt of a part and keep its error."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == part_id)
                .values(attempts=DeliveryRow.attempts + 1, last_error=error[:2000])
            )

    async def mark_sent(
        self,
        part_id: int,
        ref: MessageRef,
        now: datetime,
        *,
        run: RunClaim,
        until: datetime,
        content_hash: str | None = None,
        notes: Iterable[str] | None = None,
    ) -> bool:
        """Record the platform's reference (never sent again) and renew the run's lease to `until`.

        The reference's channel is kept as `posted_in` where it is not the part's (the thread a
        Discord message went into: the reconcile pass reads its reactions there).
        `content_hash` and `notes` are the hash of what was sent and the notes it holds, when
        they differ from those the part was claimed with (a pending part resent from a newer
        render). Refused (False, nothing
        written) when `run` no longer owns the run: the owner and epoch are checked in the same
        transaction, whose lease update locks the run row.
        """
        values: dict[str, object] = {"status": SENT, "message_id": ref.message_id, "sent_at": now}
        # where the platform put it, when not the part's channel (a Discord thread or forum post)
        values["posted_in"] = case((DeliveryRow.channel == ref.channel, None), else_=ref.channel)
        if content_hash is not None:
            values["content_hash"] = content_hash
        if notes is not None:
            values["note_keys"] = list(notes)
        async with self._sessions() as session, session.begin():
            if not await _fence(session, run, lease_until=until):
                return False
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == part_id, DeliveryRow.run_id == run.id)
                .values(attempts=DeliveryRow.attempts + 1, **values)
            )
        return True

    async def mark_edited(
        self, part_id: int, content_hash: str, now: datetime, *, notes: Iterable[str] = ()
    ) -> None:
        """Record that a posted part now shows new content, holding these notes' entries."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == part_id)
                .values(content_hash=content_hash, note_keys=list(notes), edited_at=now)
            )

    async def finish(
        self,
        run: RunClaim,
        status: str,
        now: datetime,
        error: str = "",
        *,
        delivered: Iterable[str] = (),
    ) -> bool:
        """Close a run; a failed run gives the notes it did not deliver back to the next digest.

        `delivered` (failed runs only) are the notes the run's posted parts already show in
        full: they stay taken, so the next digest does not repeat them. Refused (False) when
        `run` no longer owns the run: its new owner closes it.
        """
        kept = list(delivered)
        async with self._sessions() as session, session.begin():
            closed = await _fence(
                session, run, status=status, error=error[:2000], finished_at=now, updated_at=now
            )
            if closed and status == FAILED:
                await session.execute(
                    delete(AssignedNoteRow).where(
                        AssignedNoteRow.run_id == run.id, AssignedNoteRow.note_key.not_in(kept)
                    )
                )
        return closed

    async def parts_of(self, run_id: int) -> list[PartState]:
        """The run's message rows in part order (`ref` set on those that were sent)."""
        async with self._sessions() as session:
            parts = await parts_by_run(session, [run_id])
        return [_part_state(p) for p in parts.get(run_id, [])]

    async def run_with_parts(self, run_id: int) -> tuple[RunView, list[PartState]] | None:
        """One run as corrections see it, with its message rows in part order."""
        async with self._sessions() as session:
            run = await session.get(DigestRunRow, run_id)
            if run is None:
                return None
            parts = (await parts_by_run(session, [run_id])).get(run_id, [])
        return run_view(run, parts), [_part_state(p) for p in parts]

    async def stale_runs(self, now: datetime) -> list[tuple[str, str]]:
        """(destination, digest key) of pending runs whose owner's lease ran out."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(DigestRunRow.destination_key, DigestRunRow.digest_key).where(
                    DigestRunRow.status == PENDING, DigestRunRow.lease_until <= now
                )
            )
            return [(r.destination_key, r.digest_key) for r in rows]

    async def recent_runs(self, dest_key: str | None = None, limit: int = 20) -> list[RunView]:
        """Newest runs first, with their message counts."""
        query = select(DigestRunRow).order_by(
            DigestRunRow.created_at.desc(), DigestRunRow.id.desc()
        )
        if dest_key is not None:
            query = query.where(DigestRunRow.destination_key == dest_key)
        async with self._sessions() as session:
            runs = list(await session.scalars(query.limit(limit)))
            parts = await parts_by_run(session, [r.id for r in runs])
        return [run_view(run, parts.get(run.id, [])) for run in runs]

    async def destination_keys(self) -> list[str]:
        """Every destination key with a run, sorted (what `deliveries --destination` knows)."""
        query = select(DigestRunRow.destination_key).distinct()
        async with self._sessions() as session:
            return sorted(await session.scalars(query))

    async def runs_with_notes(
        self, note_keys: Iterable[str]
    ) -> list[tuple[RunView, list[PartState]]]:
        """Closed runs that posted any of these notes (sent, or failed after posting them),
        with their message rows in part order."""
        keys = list(note_keys)
        async with self._sessions() as session:
            run_ids = set(
                await session.scalars(
                    select(AssignedNoteRow.run_id).where(AssignedNoteRow.note_key.in_(keys))
                )
            )
            runs = list(
                await session.scalars(
                    select(DigestRunRow)
                    .where(DigestRunRow.id.in_(run_ids), DigestRunRow.status.in_((SENT, FAILED)))
                    .order_by(DigestRunRow.id)
                )
            )
            parts = await parts_by_run(session, [r.id for r in runs])
        return [
            (
                run_view(run, parts.get(run.id, [])),
                [_part_state(p) for p in parts.get(run.id, [])],
            )
            for run in runs
        ]

    async def find_message(self, ref: MessageRef) -> PostedMessage | None:
        """The digest message `ref` names (a reaction's target), or None when it is not ours.

        Served by the index on (platform, workspace, channel, message id). A reference from
        inside a DM whose server is unknown (workspace `IN_A_DM`, channel `@<user id>`) matches
        that person's DM message in any workspace: message ids are unique per platform.
        """
        where = [
            DeliveryRow.platform == ref.platform.value,
            DeliveryRow.channel == ref.channel,
            DeliveryRow.message_id == ref.message_id,
        ]
        if not (ref.workspace == IN_A_DM and ref.channel.startswith("@")):
            where.append(DeliveryRow.workspace == ref.workspace)
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(DeliveryRow, DigestRunRow.note_keys)
                    .join(DigestRunRow, DigestRunRow.id == DeliveryRow.run_id)
                    .where(*where)
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        part, note_keys = row
        return PostedMessage(
            part.destination_key,
            part.digest_key,
            part.part_no,
            part.run_id,
            tuple(str(k) for k in note_keys or ()),
            part.workspace,
        )
