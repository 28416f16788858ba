"""What a search that found nothing is offered instead: the names notes have nearest the one
typed (a tag, `bot.search.near_tags`; an author, `bot.search.near_authors`).

Pure: each candidate is compared by each of its forms with `difflib`'s ratio over keys
decomposed to NFD, so a Hangul syllable counts as its jamo and a one-key typo in `강화학슴`
costs one letter of eleven rather than a whole syllable of four. How a form becomes a key
(`normalize_tag` for tags, `normalize_phrase` for names) is the caller's: the one its filter
matches by.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from difflib import SequenceMatcher

__all__ = ["NEAR_CUTOFF", "nearest"]

NEAR_CUTOFF = 0.6
"""The least similarity offered (`difflib`'s default): `rhlf` → `rlhf` is 0.75, `rlaif` 0.67."""


def nearest(
    wanted: str,
    candidates: Iterable[tuple[Sequence[str], int]],
    key: Callable[[str], str],
    *,
    limit: int,
    cutoff: float = NEAR_CUTOFF,
    by_first: bool = False,
) -> list[tuple[str, int]]:
    """The candidates most like `wanted`, most similar first, then most counted, then by
    name: each `(forms, count)` compared by every form (`key` of it against `key(wanted)`),
    and named by the form most like `wanted`, or by its first form (`by_first`: a name found
    by one of its parts is offered whole)."""
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(_letters(key(wanted)))
    scored: list[tuple[float, int, str]] = []
    for forms, count in candidates:
        best: tuple[float, str] | None = None
        for form in forms:
            matcher.set_seq1(_letters(key(form)))
            if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
                continue
            ratio = matcher.ratio()
            if ratio >= cutoff and (best is None or ratio > best[0]):
                best = (ratio, form)
        if best is not None:
            scored.append((best[0], count, forms[0] if by_first else best[1]))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return [(offered, count) for _, count, offered in scored[:limit]]


def _letters(key: str) -> str:
    """A key as compared: decomposed (Hangul syllables into jamo)."""
    return unicodedata.normalize("NFD", key)
