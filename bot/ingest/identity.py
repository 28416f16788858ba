"""Stable note identifiers: the day plus a slug of the normalised title.

`2024-02-29-keeping-llms-aligned`. A title repeated on one day gets `--2`, `--3` (a slug never holds
`--`, so a repeat can't collide with a title ending in a number). Slugs are cut at a word boundary
within 60 characters; a slug that collides with a different title's slug on the same day (two titles
that differ only in punctuation, or share their first 60 characters) gets `--` and six hex digits of
the title's hash.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

__all__ = ["MAX_SLUG_CHARS", "NoteIdentity", "normalize_title", "slugify"]

MAX_SLUG_CHARS = 60
_NON_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """The title as identity sees it: NFKC, white space collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", title).split()).casefold()


def slugify(text: str) -> str:
    """Lower-case words (Hangul kept) joined by single dashes."""
    return _NON_WORD.sub("-", normalize_title(text)).strip("-")


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


class NoteIdentity:
    """Hands out keys for the notes of one day, in file order."""

    def __init__(self, day: date) -> None:
        self._day = day
        self._repeats: dict[str, int] = {}
        self._slug_owner: dict[str, str] = {}

    def key_for(self, title: str) -> str:
        """The key of the next note with this title on this day."""
        normalized = normalize_title(title)
        slug = slugify(title) or "untitled"
        if len(slug) > MAX_SLUG_CHARS:
            slug = slug[:MAX_SLUG_CHARS].rsplit("-", 1)[0] or slug[:MAX_SLUG_CHARS]
        owner = self._slug_owner.setdefault(slug, normalized)
        if owner != normalized:
            slug = f"{slug}--{_short_hash(normalized)}"
        count = self._repeats.get(normalized, 0) + 1
        self._repeats[normalized] = count
        suffix = f"--{count}" if count > 1 else ""
        return f"{self._day.isoformat()}-{slug}{suffix}"
