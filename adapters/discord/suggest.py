"""Autocomplete for `/paper query`, answered from memory (platforms.md §2.3).

Discord allows 3 seconds and an autocomplete answer cannot be deferred, so it never queries the
database: `Suggestions.refresh` loads tags with their counts and note titles (after start and
on a timer), and `choices` scans that snapshot. At most 25 choices, names 1–100 characters,
values ≤100: a tag suggests `tag:<tag>`, a title `id:<key>`, a sub-command its own words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Choice", "Corpus", "Suggestions"]

MAX_CHOICES = 25
MAX_NAME = 100
MAX_VALUE = 100
SUB_COMMANDS = ("help", "tags", "next", "prev", "digest preview", "digest now", "channel show")


@dataclass(frozen=True, slots=True)
class Corpus:
    """What suggestions are drawn from: (tag, count) most used first, (title, note key)."""

    tags: Sequence[tuple[str, int]] = ()
    titles: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete choice: what the person sees, and what the query option becomes."""

    name: str
    value: str


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Suggestions:
    """A snapshot of tags and titles, casefolded once per refresh."""

    load: Callable[[], Awaitable[Corpus]]
    _tags: list[tuple[str, str, int]] = field(default_factory=list)  # (folded, tag, count)
    _titles: list[tuple[str, str, str]] = field(default_factory=list)  # (folded, title, key)

    async def refresh(self) -> None:
        """Replace the snapshot (the old one answers until the new one is complete)."""
        corpus = await self.load()
        tags = [(t.casefold(), t, n) for t, n in corpus.tags]
        titles = [(t.casefold(), t, k) for t, k in corpus.titles if len(k) + 3 <= MAX_VALUE]
        self._tags, self._titles = tags, titles

    def choices(self, typed: str) -> list[Choice]:
        """Sub-commands, tags, then titles matching what is typed so far (≤25)."""
        text = typed.strip()
        folded = text.casefold().lstrip("#")
        if folded.startswith("tag:"):
            folded = folded[4:]
        out: list[Choice] = []
        if not text:
            out += [Choice(w, w) for w in SUB_COMMANDS[:3]]
            out += [Choice(f"#{t} ({n})", f"tag:{t}") for _, t, n in self._tags]
            return out[:MAX_CHOICES]
        out += [Choice(w, w) for w in SUB_COMMANDS if w.startswith(text.casefold())]
        starts = [(t, n) for f, t, n in self._tags if f.startswith(folded)]
        inside = [(t, n) for f, t, n in self._tags if folded in f and not f.startswith(folded)]
        out += [Choice(_fit(f"#{t} ({n})", MAX_NAME), f"tag:{t}") for t, n in starts + inside]
        for f, title, key in self._titles:
            if len(out) >= MAX_CHOICES:
                break
            if folded in f:
                out.append(Choice(_fit(title, MAX_NAME) or key, f"id:{key}"))
        return out[:MAX_CHOICES]
