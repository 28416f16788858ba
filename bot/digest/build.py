"""Build a destination's digest: its undelivered, matching, live notes, oldest day first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import groupby

from bot.digest.filters import TagFilter
from bot.models import Digest, DigestDay, Layout, Note

__all__ = ["Backfill", "DigestSpec", "build_digest", "start_day_for"]


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


def build_digest(
    spec: DigestSpec,
    notes: Iterable[Note],
    *,
    delivered: frozenset[str] | set[str],
    start_day: date | None,
) -> Digest | None:
    """The digest for `notes` (any order), or None when nothing new matches.

    Keeps the oldest notes when over `max_entries`; the rest count as `overflow` and stay
    undelivered, so they lead the next digest.
    """
    wanted = sorted(
        (
            note
            for note in notes
            if not note.retracted
            and note.key not in delivered
            and (start_day is None or note.day >= start_day)
            and spec.tag_filter.matches(note)
        ),
        key=lambda n: (n.day, n.position, n.key),
    )
    if not wanted:
        return None
    cap = len(wanted) if spec.max_entries is None else spec.max_entries
    kept, overflow = wanted[:cap], len(wanted) - min(cap, len(wanted))
    days = tuple(
        DigestDay(day=day, notes=tuple(group)) for day, group in groupby(kept, key=lambda n: n.day)
    )
    return Digest(
        key=spec.key,
        days=days,
        filter_text=spec.tag_filter.text,
        overflow=overflow,
        locale=spec.locale,
        layout=spec.layout,
    )
