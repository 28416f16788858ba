"""Which papers one posted digest message shows: what a 🔔 on it follows.

The renderer decides how notes fall into messages (a long entry may take two, an inline message
holds several), so it is asked rather than second-guessed: the run's digest is rebuilt from its
snapshot, and a message shows a note when its payload changes once that note is rendered
retracted (by the `Renderer` contract a retracted note keeps its place and shows none of its
content). The thread layout's header (part 0) lists every title and names no one paper: it shows
no paper here. Neither does any message that changes with every note of a digest of several
(an inline message holding the header list). One render per note, cached per run.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.delivered import with_retracted
from bot.delivery.publisher import payload_hash
from bot.delivery.rebuild import rebuild_run
from bot.models import Digest, Layout, Note, Platform
from bot.ports import Renderer
from bot.store.deliveries import PostedMessage
from bot.store.notes import SqlNoteStore
from bot.store.subscriptions import run_snapshot

__all__ = ["PartNotes", "part_notes"]

CACHED_RUNS = 256


def part_notes(renderer: Renderer[Any], digest: Digest, part_no: int) -> tuple[Note, ...]:
    """The papers message `part_no` of the digest shows (none for a header or a list).

    In the thread layout a paper's own message shows exactly one paper; a part that changes
    with several is a header's continuation (a list of titles), and shows none here.
    """
    if digest.layout is Layout.THREAD and part_no == 0:
        return ()
    full = [payload_hash(p) for p in renderer.render_digest(digest)]
    if part_no >= len(full):
        return ()
    notes = digest.notes
    shown = tuple(
        note
        for index, note in enumerate(notes)
        if _changed(full, _hashes(renderer, with_retracted(digest, {index})), part_no)
    )
    if len(notes) > 1 and len(shown) == len(notes):
        return ()
    if digest.layout is Layout.THREAD and len(shown) > 1:
        return ()
    return tuple(note for note in shown if not note.retracted)


def _hashes(renderer: Renderer[Any], digest: Digest) -> list[str]:
    return [payload_hash(p) for p in renderer.render_digest(digest)]


def _changed(full: list[str], masked: list[str], part_no: int) -> bool:
    """Whether part `part_no` of `full` differs in `masked`, read both ways: aligned from the
    start (parts before a note that now takes fewer messages) and from the end (parts after it)."""
    shift = len(full) - len(masked)
    same_from_start = part_no < len(masked) and masked[part_no] == full[part_no]
    after = part_no - shift
    same_from_end = 0 <= after < len(masked) and masked[after] == full[part_no]
    return not (same_from_start or same_from_end)


class PartNotes:
    """Finds the papers of a posted message through its run's snapshot and its renderer."""

    def __init__(
        self,
        engine: AsyncEngine,
        notes: SqlNoteStore,
        renderer_of: Callable[[Platform], Renderer[Any]],
    ) -> None:
        self._engine, self._notes, self._renderer_of = engine, notes, renderer_of
        self._cache: OrderedDict[tuple[int, int], tuple[str, ...]] = OrderedDict()

    async def __call__(self, posted: PostedMessage, platform: Platform) -> tuple[Note, ...]:
        """The papers message `posted` shows, with their current tags (which notes a message
        shows is cached per run and part; their content is read each time)."""
        key = (posted.run_id, posted.part_no)
        if key in self._cache:
            self._cache.move_to_end(key)
            keys = self._cache[key]
            found = {n.key: n for n in await self._notes.get(keys)}
            return tuple(found[k] for k in keys if k in found and not found[k].retracted)
        snapshot = await run_snapshot(self._engine, posted.run_id)
        if snapshot is None:
            return ()
        digest = await rebuild_run(self._notes, posted.digest_key, snapshot)
        shown = part_notes(self._renderer_of(platform), digest, posted.part_no)
        self._cache[key] = tuple(note.key for note in shown)
        while len(self._cache) > CACHED_RUNS:
            self._cache.popitem(last=False)
        return shown
