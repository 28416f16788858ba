"""Which notes a partly posted run delivered: those whose every message went out.

A run that fails after posting some of its parts keeps the notes it delivered and gives only
the others back to the next digest, so that digest repeats none. A note counts as delivered
when every message that shows it was sent. Parts go out in order, so that is the header and
then, in the `thread` layout, the note's own reply (the header lists every note, but a listed
title is not the note); in the `inline` layout, the message or messages holding its entry.

The renderer decides how notes fall into messages, so it is asked rather than second-guessed:
a message shows a note when its payload changes once the note is rendered retracted (by the
`Renderer` contract a retracted note keeps its place and number and shows none of its content,
which is also exactly what a correction of a retraction edits). Parts after the last one that
changes, matched from the end, show none of those notes. This costs a few renders, on the
failure path only: the delivered notes are a prefix of the digest, found by bisection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Container
from dataclasses import replace
from typing import Any

from bot.delivery.publisher import payload_hash
from bot.models import Digest, DigestDay
from bot.ports import Renderer
from bot.store.deliveries import RunClaim, SqlDeliveryLedger

__all__ = ["delivered_notes", "kept_by_failed_run", "with_retracted"]

log = logging.getLogger(__name__)


async def kept_by_failed_run(
    ledger: SqlDeliveryLedger, renderer: Renderer[Any], claim: RunClaim, digest: Digest | None
) -> tuple[str, ...]:
    """The notes a failing run keeps: those its posted parts show in full.

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
        # a few renders of the whole digest: off the event loop
        return await asyncio.to_thread(delivered_notes, renderer, digest, sent)
    except Exception:  # boundary: the render that failed the run may fail again
        log.warning("%s: could not tell the delivered notes", claim.digest_key, exc_info=True)
        return ()


def delivered_notes(renderer: Renderer[Any], digest: Digest, sent: int) -> tuple[str, ...]:
    """The keys of the digest's notes shown only in its first `sent` parts, in digest order.

    When unsure (a render that does not line up), a note counts as not delivered: the next
    digest would rather repeat it than lose it.
    """
    keys = tuple(note.key for note in digest.notes)
    full = _hashes(renderer, digest)
    if sent >= len(full):
        return keys

    def fits(count: int) -> bool:  # every message showing the first `count` notes was sent
        return _shown_through(full, _hashes(renderer, with_retracted(digest, range(count)))) <= sent

    if fits(len(keys)):
        return keys
    low, high = 0, len(keys)  # fits(low) holds (nothing masked), fits(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return keys[:low]


def _hashes(renderer: Renderer[Any], digest: Digest) -> list[str]:
    return [payload_hash(payload) for payload in renderer.render_digest(digest)]


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


def _shown_through(full: list[str], masked: list[str]) -> int:
    """How many leading parts of `full` differ from `masked`, matching the two from the end."""
    same = 0
    while same < min(len(full), len(masked)) and full[-1 - same] == masked[-1 - same]:
        same += 1
    return len(full) - same
