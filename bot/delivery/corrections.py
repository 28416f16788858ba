"""Corrections: when posted notes change or are retracted, edit their messages in place.

Each posted part keeps the hash of what it shows. A correction re-renders the runs that hold the
changed notes and edits only the parts whose hash differs, so it is safe to repeat: a failed
edit is tried again by the next correction of those notes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

from bot.delivery.publisher import Publisher, payload_hash
from bot.errors import DeliveryError
from bot.models import Digest, DigestDay, Layout, Note
from bot.ports import Clock
from bot.store.deliveries import PartState, RunView, SqlDeliveryLedger
from bot.store.notes import SqlNoteStore

__all__ = ["CorrectionReport", "Corrections"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CorrectionReport:
    """How many posted messages were edited, and which edits failed."""

    edited: int = 0
    failed: list[str] = field(default_factory=list)


def _digest(run: RunView, notes: list[Note]) -> Digest:
    ordered = sorted(notes, key=lambda n: (n.day, n.position, n.key))
    days = tuple(DigestDay(d, tuple(g)) for d, g in groupby(ordered, key=lambda n: n.day))
    return Digest(
        key=run.digest_key,
        days=days,
        filter_text=run.filter_text,
        overflow=run.overflow,
        locale=run.locale,
        layout=Layout(run.layout),
    )


class Corrections:
    """Edits posted digests through `Transport.edit`; never posts again."""

    def __init__(
        self, *, ledger: SqlDeliveryLedger, notes: SqlNoteStore, publisher: Publisher, clock: Clock
    ) -> None:
        self._ledger, self._notes, self._publisher, self._clock = ledger, notes, publisher, clock

    async def apply(self, changed_keys: Iterable[str]) -> CorrectionReport:
        """Edit every posted message that shows one of these notes (edited or retracted)."""
        report = CorrectionReport()
        keys = list(changed_keys)
        if not keys:
            return report
        for run, parts in await self._ledger.runs_with_notes(keys):
            notes = await self._notes.get(run.note_keys)  # retracted ones included
            await self._edit_run(run, parts, _digest(run, notes), report)
        return report

    async def _edit_run(
        self, run: RunView, parts: list[PartState], digest: Digest, report: CorrectionReport
    ) -> None:
        posted = [p for p in parts if p.ref is not None]
        if not posted:
            return
        route = self._publisher.route(posted[0].ref.platform)  # type: ignore[union-attr]
        payloads = route.renderer.render_digest(digest)
        for part in posted:
            if part.part_no >= len(payloads):
                continue
            payload = payloads[part.part_no]
            new_hash = payload_hash(payload)
            if new_hash == part.content_hash:
                continue
            assert part.ref is not None
            try:
                await route.transport.edit(part.ref, payload)
            except DeliveryError as exc:
                log.warning("edit of %s part %d failed: %s", run.digest_key, part.part_no, exc)
                report.failed.append(f"{run.destination_key} {run.digest_key}#{part.part_no}")
                continue
            await self._ledger.mark_edited(part.id, new_hash, self._clock.now())
            report.edited += 1
