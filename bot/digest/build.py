"""A destination's digest from its candidates, and a run's digest again from its snapshot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import groupby

from bot.digest.filters import TagFilter
from bot.models import Digest, DigestDay, Layout, Note

__all__ = [
    "Backfill",
    "DigestSpec",
    "RunSnapshot",
    "build_digest",
    "rebuild_digest",
    "start_day_for",
]


class Backfill(StrEnum):
    """Where a new destination starts: the newest notes day, all history, or only later days."""

    NEWEST = "newest"
    ALL = "all"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class DigestSpec:
    """The per-destination settings a digest is built with."""

    key: str
    tag_filter: TagFilter
    max_entries: int | None = None
    locale: str = "ko"
    layout: Layout = Layout.THREAD


def start_day_for(backfill: Backfill, newest_day: date | None) -> date | None:
    """The first notes day a new destination receives (`None`: from the beginning).

    `none` starts after the newest day known now, so only later days are ever posted.
    """
    if backfill is Backfill.ALL or newest_day is None:
        return None
    if backfill is Backfill.NEWEST:
        return newest_day
    return date.fromordinal(newest_day.toordinal() + 1)


def build_digest(spec: DigestSpec, candidates: Iterable[Note]) -> Digest | None:
    """The digest of a destination's candidates (any order), or None when none matches.

    Candidates are already live, untaken and from the start day on (selected in SQL, see
    `bot/store/undelivered.py`); this applies the filter and the cap. Keeps the oldest notes
    when over `max_entries`; the rest count as `overflow` and stay undelivered, so they lead the
    next digest.
    """
    wanted = sorted(
        (note for note in candidates if spec.tag_filter.matches(note)),
        key=lambda n: (n.day, n.position, n.key),
    )
    if not wanted:
        return None
    cap = len(wanted) if spec.max_entries is None else spec.max_entries
    kept, overflow = wanted[:cap], len(wanted) - min(cap, len(wanted))
    return Digest(
        key=spec.key,
        days=_by_day(kept),
        filter_text=spec.tag_filter.text,
        overflow=overflow,
        locale=spec.locale,
        layout=spec.layout,
    )


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """What a run took and how it renders, stored with the run when it takes its notes.

    Resumes and corrections rebuild the run's digest from this, never from the destination's
    settings of the day, so a re-render has the parts (and part numbers) that were posted. A DM
    run keeps what matched each note too (`Digest.matched`), so its papers keep their
    "matched your subscription" lines.
    """

    note_keys: tuple[str, ...]
    filter_text: str = ""
    overflow: int = 0
    locale: str = "ko"
    layout: Layout = Layout.THREAD
    max_entries: int | None = None
    empty_message: bool = False
    matched: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, spec: DigestSpec, digest: Digest | None, *, empty_message: bool) -> RunSnapshot:
        """The snapshot of a freshly built digest (None: nothing new) under `spec`."""
        return cls(
            note_keys=() if digest is None else tuple(note.key for note in digest.notes),
            filter_text=spec.tag_filter.text,
            overflow=0 if digest is None else digest.overflow,
            locale=spec.locale,
            layout=spec.layout,
            max_entries=spec.max_entries,
            empty_message=empty_message,
        )


def rebuild_digest(key: str, snapshot: RunSnapshot, notes: Iterable[Note]) -> Digest:
    """The run's digest again: its notes in the stored order, with their current content.

    A retracted note keeps its place (renderers show it as a short "retracted" note); a key no
    longer stored is left out. No notes: a digest with no days (the "no new notes" message).
    """
    found = {note.key: note for note in notes}
    ordered = [found[key] for key in snapshot.note_keys if key in found]
    return Digest(
        key=key,
        days=_by_day(ordered),
        filter_text=snapshot.filter_text,
        overflow=snapshot.overflow,
        locale=snapshot.locale,
        layout=snapshot.layout,
        matched=snapshot.matched,
    )


def _by_day(notes: list[Note]) -> tuple[DigestDay, ...]:
    """Consecutive notes of one day as one group, in the given order."""
    return tuple(DigestDay(day, tuple(group)) for day, group in groupby(notes, key=lambda n: n.day))
