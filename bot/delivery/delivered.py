"""Which notes a partly posted run delivered: those whose every message went out.

A run that fails after posting some of its parts keeps the notes it delivered and gives only
the others back to the next digest, so that digest repeats none and drops none. A note counts as
delivered when the messages holding its entry were all sent: in the `thread` layout its own
reply (the header lists every title, but a listed title is not the note), in the `inline` layout
the message or messages holding its entry.

The renderer decides how notes fall into messages, so it says: each payload reports the keys of
the notes whose entry it holds (`Payload.notes`), and the ledger keeps them with each message as
it was sent. So the sent messages are read from the ledger, as they went out, and only the
messages not sent are rendered again (the render the run would have sent next). Ledger rows
from before the ledger kept the keys are asked of that render too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Container, Sequence
from dataclasses import replace
from typing import Any

from bot.delivery.publisher import notes_of
from bot.models import Digest, DigestDay
from bot.ports import Renderer
from bot.store.deliveries import RunClaim, SqlDeliveryLedger

__all__ = ["delivered_by", "delivered_notes", "kept_by_failed_run", "with_retracted"]

log = logging.getLogger(__name__)


async def kept_by_failed_run(
    ledger: SqlDeliveryLedger, renderer: Renderer[Any], claim: RunClaim, digest: Digest | None
) -> tuple[str, ...]:
    """The notes a failing run keeps: those its posted parts hold in full.

    When that can't be told (no digest was built, or it can't be rendered), none: every note
    goes back, a repeat rather than a loss. Channel and DM runs alike.
    """
    if digest is None or not digest.days:
        return ()
    parts = await ledger.parts_of(claim.id)
    sent = next((i for i, p in enumerate(parts) if p.part_no != i or p.ref is None), len(parts))
    if sent == 0:
        return ()
    try:
        # one render of the whole digest: off the event loop
        payloads = await asyncio.to_thread(renderer.render_digest, digest)
    except Exception:  # boundary: the render that failed the run may fail again
        log.warning("%s: could not tell the delivered notes", claim.digest_key, exc_info=True)
        return ()
    reported = [notes_of(payload) for payload in payloads]
    held = [
        part.notes
        if part.notes is not None
        else (reported[part.part_no] if part.part_no < len(reported) else ())
        for part in parts[:sent]
    ]
    return delivered_by(digest, held, reported[sent:])


def delivered_notes(renderer: Renderer[Any], digest: Digest, sent: int) -> tuple[str, ...]:
    """The keys of the digest's notes held in full by its first `sent` parts, in digest order
    (the parts all from one render)."""
    reported = [notes_of(payload) for payload in renderer.render_digest(digest)]
    return delivered_by(digest, reported[:sent], reported[sent:])


def delivered_by(
    digest: Digest, sent: Sequence[Collection[str]], unsent: Sequence[Collection[str]]
) -> tuple[str, ...]:
    """The digest's notes (in digest order) some sent message holds and no unsent one does:
    a note whose entry went out only in part (split over messages) is not delivered."""
    shown = {key for part in sent for key in part}
    left = {key for part in unsent for key in part}
    return tuple(note.key for note in digest.notes if note.key in shown and note.key not in left)


def with_retracted(digest: Digest, positions: Container[int]) -> Digest:
    """The digest with the notes at these positions (in digest order) rendered as retracted:
    what tells which messages show a note."""
    seen = 0
    days = []
    for day in digest.days:
        notes = []
        for note in day.notes:
            notes.append(replace(note, retracted=True) if seen in positions else note)
            seen += 1
        days.append(DigestDay(day.day, tuple(notes)))
    return replace(digest, days=tuple(days))
