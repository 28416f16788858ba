"""Corrections: when posted notes change or are retracted, edit their messages in place.

Each posted part keeps the hash of what it shows. A correction rebuilds the runs that hold the
changed notes from their stored snapshots (as a resume does) and edits only the parts whose hash
differs, so it is safe to repeat: a failed edit is tried again by the next correction of those
notes. Parts are matched by number: a re-render with fewer parts edits the posted parts it no
longer needs to a short "merged above" note; one with more parts posts the extra ones through
the publisher (the header's thread in the thread layout), never silently dropping them.

The correction pass skips runs still being sent (`pending`), so each run settles itself once
it is closed (`settle`): it renders again from the notes' content at that moment and corrects
what changed while it was out. Whichever comes last, the pass or the run's close, sees the
edit: a note edited while its run was pending is never left uncorrected. A run that failed
after posting some parts has those parts corrected too; the parts it never posted are not
posted by a correction (their notes went back to the next digest).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.delivery.lease import RunLease
from bot.delivery.publisher import Publisher, Route, notes_of, payload_hash
from bot.delivery.rebuild import rebuild_run
from bot.digest.build import RunSnapshot
from bot.errors import DeliveryError
from bot.models import Destination, Digest, MessageRef
from bot.ports import Clock
from bot.store.deliveries import LeaseLostError, PartState, RunClaim, RunView, SqlDeliveryLedger
from bot.store.notes import SqlNoteStore
from bot.store.run_views import SENT

__all__ = ["CorrectionReport", "Corrections"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CorrectionReport:
    """Posted messages edited, parts newly posted, and what failed (each also in the log)."""

    edited: int = 0
    posted: int = 0
    failed: list[str] = field(default_factory=list)


class Corrections:
    """Edits posted digests through `Transport.edit`; posts only parts a re-render added."""

    def __init__(
        self,
        *,
        ledger: SqlDeliveryLedger,
        notes: SqlNoteStore,
        publisher: Publisher,
        clock: Clock,
        owner: str,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._ledger, self._notes, self._publisher, self._clock = ledger, notes, publisher, clock
        self._owner, self._lease = owner, lease

    async def apply(self, changed_keys: Iterable[str]) -> CorrectionReport:
        """Correct every sent run that shows one of these notes (edited or retracted)."""
        report = CorrectionReport()
        keys = list(changed_keys)
        if not keys:
            return report
        for run, parts in await self._ledger.runs_with_notes(keys):
            posted = [p for p in parts if p.ref is not None]
            if posted:
                digest = await rebuild_run(self._notes, run.digest_key, run.snapshot)
                await self._correct(run, posted, digest, report)
        return report

    async def settle(
        self, run_id: int, digest_key: str, snapshot: RunSnapshot, parts: Sequence[PartState]
    ) -> CorrectionReport:
        """Once a run is closed: correct what changed in its notes while it was being sent.

        `parts` are its message rows as it last saw them; when a render from the notes' current
        content matches their hashes (the usual case) nothing more is read or sent.
        """
        report = CorrectionReport()
        posted = [p for p in parts if p.ref is not None]
        if not posted or not snapshot.note_keys:
            return report
        first = posted[0].ref
        assert first is not None
        digest = await rebuild_run(self._notes, digest_key, snapshot)
        rendered = self._publisher.route(first.platform).renderer.render_digest(digest)
        hashes = [payload_hash(payload) for payload in rendered]
        if len(hashes) <= len(parts) and all(
            p.part_no < len(hashes) and p.content_hash == hashes[p.part_no] for p in posted
        ):
            return report
        found = await self._ledger.run_with_parts(run_id)
        if found is not None:
            run, rows = found
            await self._correct(run, [p for p in rows if p.ref is not None], digest, report)
        return report

    async def settle_closed(
        self, run: RunClaim, snapshot: RunSnapshot, parts: Sequence[PartState]
    ) -> None:
        """`settle` for a run its caller has just closed (channel and DM runs alike).

        The run's outcome stands by then, so a fault here is logged, not raised: the next
        correction of these notes tries again.
        """
        try:
            await self.settle(run.id, run.digest_key, snapshot, parts)
        except Exception:  # boundary: see above
            log.exception("%s to %s: could not settle", run.digest_key, run.destination_key)

    async def _correct(
        self, run: RunView, posted: list[PartState], digest: Digest, report: CorrectionReport
    ) -> None:
        """Edit the posted parts that changed; post the added ones of a run that was sent."""
        first = posted[0].ref
        assert first is not None
        route = self._publisher.route(first.platform)
        payloads = route.renderer.render_digest(digest)
        merged = route.renderer.render_merged(digest)
        for part in posted:
            payload = payloads[part.part_no] if part.part_no < len(payloads) else merged
            await self._edit(route, run, part, payload, report)
        if run.status == SENT and len(payloads) > len(posted):
            await self._post_added(run, first, digest, len(payloads) - len(posted), report)

    async def _edit(
        self, route: Route, run: RunView, part: PartState, payload: Any, report: CorrectionReport
    ) -> None:
        new_hash = payload_hash(payload)
        where = part.where
        if new_hash == part.content_hash or where is None:
            return
        try:
            await route.transport.edit(where, payload)
        except DeliveryError as exc:
            log.warning("edit of %s part %d failed: %s", run.digest_key, part.part_no, exc)
            report.failed.append(f"{run.destination_key} {run.digest_key}#{part.part_no}")
            return
        await self._ledger.mark_edited(
            part.id, new_hash, self._clock.now(), notes=notes_of(payload)
        )
        report.edited += 1

    async def _post_added(
        self, run: RunView, first: MessageRef, digest: Digest, added: int, report: CorrectionReport
    ) -> None:
        """Post the parts a re-render added, owning the run again while they go out.

        A crash meanwhile leaves the run pending, so it is resumed (from its snapshot) like any
        run. A failure keeps the run `sent` (its notes stay taken) and says why in its error.
        """
        where = f"{run.destination_key} {run.digest_key}"
        now = self._clock.now()
        claim = await self._ledger.reopen(run.id, owner=self._owner, now=now, lease=self._lease)
        if claim is None:  # another process is sending or correcting it right now
            log.warning("correction of %s: %d added parts left to its current owner", where, added)
            report.failed.append(f"{where}: {added} added parts left to the run's current owner")
            return
        dest = Destination(first.platform, first.workspace, first.channel)
        lease = RunLease(self._ledger, claim, clock=self._clock, lease=self._lease, claimed_at=now)
        try:
            async with lease.kept():
                parts = await self._publisher.publish(lease, dest, digest)
        except LeaseLostError:
            log.warning("correction of %s: lease lost, its new owner resumes it", where)
            report.failed.append(f"{where}: lease lost while posting added parts")
            return
        except DeliveryError as exc:
            error = f"correction: {added} added parts not posted: {exc}"
            log.warning("%s: %s", where, error)
            await self._ledger.finish(claim, SENT, self._clock.now(), error=error)
            report.failed.append(f"{where}: {error}")
            return
        except Exception as exc:  # a bug: record it on the run, then let the job wrapper log it
            error = f"correction: internal error: {exc!r}"
            await self._ledger.finish(claim, SENT, self._clock.now(), error=error)
            raise
        await self._ledger.finish(claim, SENT, self._clock.now())
        log.info("correction of %s posted %d added parts", where, added)
        report.posted += added
        later = await self.settle(run.id, run.digest_key, run.snapshot, parts)  # pending meanwhile
        report.edited += later.edited
        report.posted += later.posted
        report.failed += later.failed
