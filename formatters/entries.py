"""What templates see: a digest's header and entries, already escaped and clipped per platform.

Templates never get raw notes, so a team template cannot forget to escape untrusted text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.models import Digest, DigestDay, Note
from formatters.text import truncate

__all__ = [
    "Budget",
    "EntryContext",
    "HeaderContext",
    "clip_tags",
    "days_label",
    "entry_context",
    "filter_key",
    "follow_label",
    "live_count",
    "masked",
    "overflow_query",
    "short_authors",
    "tag_summary",
    "title_key",
]

Escape = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Budget:
    """Characters (after escaping) each part of an entry may take before it is cut."""

    title: int = 250
    authors: int = 300
    commentary: int = 2500
    abstract: int = 700
    tags: int = 400
    url: int = 1000  # a longer first link is not used as the title's link


@dataclass(frozen=True, slots=True)
class EntryContext:
    """One note as a template sees it; every string is escaped for the platform."""

    number: int
    key: str
    title: str
    url: str
    authors: str
    day: str
    tags: tuple[str, ...]
    commentary: str
    abstract: str
    more: str


@dataclass(frozen=True, slots=True)
class HeaderContext:
    """A digest's header: title line, filter, overflow and hint, escaped for the platform."""

    title: str
    days: str
    count: int
    filter: str
    overflow: str
    hint: str
    tags: tuple[str, ...]


def short_authors(authors: tuple[str, ...]) -> str:
    """The first three authors and "+N" for the rest."""
    shown = ", ".join(authors[:3])
    extra = len(authors) - 3
    return f"{shown} +{extra}" if extra > 0 else shown


def days_label(digest: Digest) -> str:
    """`2024-09-20`, or `2024-09-19 – 2024-09-20` for a digest over several days."""
    days = [d.day.isoformat() for d in digest.days]
    if not days:
        return ""
    return days[0] if len(days) == 1 else f"{days[0]} – {days[-1]}"


def tag_summary(notes: tuple[Note, ...]) -> tuple[str, ...]:
    """The digest's tags, most used first, ties in order of first appearance."""
    counts = Counter(tag for note in notes for tag in note.tags)
    first = {tag: i for i, tag in reversed(list(enumerate(t for n in notes for t in n.tags)))}
    return tuple(sorted(counts, key=lambda tag: (-counts[tag], first[tag])))


def clip_tags(tags: tuple[str, ...], limit: int, escape: Escape) -> tuple[str, ...]:
    """`#tag`s, escaped, as many as fit in `limit` characters; then "+N" for the rest."""
    shown: list[str] = []
    used = 0
    for number, tag in enumerate(tags):
        text = escape(f"#{tag}")
        if used + len(text) + 1 > limit:
            return (*shown, f"+{len(tags) - number}")
        shown.append(text)
        used += len(text) + 1
    return tuple(shown)


def follow_label(template: str, tags: tuple[str, ...], limit: int, escape: Escape) -> str:
    """A Follow button's label (`template` holds `{tags}`): as many `#tag`s (escaped: a tag is
    untrusted text) as fit within `limit` characters, then "+N" for the rest."""
    room = limit - len(template.replace("{tags}", "")) - 4  # keeps room for a "+N"
    return template.replace("{tags}", " ".join(clip_tags(tags, room, escape)))


def entry_context(
    note: Note,
    number: int,
    *,
    escape: Escape,
    escape_label: Escape,
    escape_url: Escape,
    budget: Budget,
    more: str,
) -> EntryContext:
    """Escape then clip each part; a clipped long part ends with `more` (how to see the rest).

    `escape_label` is for text shown as-is (titles, authors: no auto-linking); `escape_url`
    makes the first link safe inside the platform's link syntax.
    """
    return EntryContext(
        number=number,
        key=note.key,
        title=truncate(escape_label(note.title), budget.title),
        url=escape_url(note.links[0]) if note.links and len(note.links[0]) <= budget.url else "",
        authors=truncate(escape_label(short_authors(note.authors)), budget.authors),
        day=note.day.isoformat(),
        tags=clip_tags(note.tags, budget.tags, escape),
        commentary=truncate(escape(note.commentary), budget.commentary, suffix=more),
        abstract=truncate(escape(note.abstract), budget.abstract, suffix=more),
        more=more,
    )


def masked(digest: Digest, retracted_label: str) -> Digest:
    """The digest as shown: a retracted note keeps its place and number, titled with the label,
    and shows nothing else (no authors, text, links or tags), so no message lists it any more."""
    if not any(note.retracted for note in digest.notes):
        return digest
    days = tuple(
        DigestDay(day.day, tuple(_masked(note, retracted_label) for note in day.notes))
        for day in digest.days
    )
    return replace(digest, days=days)


def _masked(note: Note, retracted_label: str) -> Note:
    if not note.retracted:
        return note
    return Note(
        key=note.key,
        day=note.day,
        title=retracted_label,
        source=note.source,
        position=note.position,
        retracted=True,
    )


def live_count(digest: Digest) -> int:
    """How many notes of the digest are not retracted (the count its title shows)."""
    return sum(not note.retracted for note in digest.notes)


def overflow_query(digest: Digest) -> str:
    """The `/paper` query that finds the notes a digest cap left out (raw, escape it)."""
    if digest.filter_text.strip():
        return digest.filter_text.strip()
    return f"since:{digest.days[0].day.isoformat()}" if digest.days else ""


def title_key(digest: Digest) -> str:
    """The catalogue key of a digest's title: a channel's, or a person's DM digest's."""
    return "subs.dm_title" if digest.personal else "digest.title"


def filter_key(digest: Digest) -> str:
    """The catalogue key that labels `filter_text`: a channel's filter, or the subscriptions a
    DM digest matched (also the label of each paper's own "matched" line)."""
    return "subs.matched" if digest.personal else "digest.filter"
