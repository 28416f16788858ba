"""Tags near a tag no note has: what `/paper tag:rhlf` offers instead (`#rlhf`).

Pure and small: a team has hundreds of tags at most, so every spelling is compared with
`difflib`'s ratio, no index needed. Tags are compared as the index keys them
(`normalize_tag`), decomposed (NFD): a Hangul syllable becomes its jamo, so a one-key typo in
`강화학슴` costs one letter of eleven rather than a whole syllable of four.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from bot.digest.tags import normalize_tag
from bot.search.models import TagCount

__all__ = ["NEAREST_TAGS", "NEAR_CUTOFF", "nearest_tags"]

NEAREST_TAGS = 3
"""Tags offered at most: a line and a row of buttons, not another tag list."""

NEAR_CUTOFF = 0.6
"""The least similarity offered (`difflib`'s default): `rhlf` → `rlhf` is 0.75, `rlaif` 0.67."""


def nearest_tags(
    tag: str,
    tags: Iterable[tuple[Sequence[str], int]],
    *,
    limit: int = NEAREST_TAGS,
    cutoff: float = NEAR_CUTOFF,
) -> list[TagCount]:
    """The tags most like `tag`, most similar first, then most used, then by name.

    `tags` are the tags notes have, each as its spellings (the one lists count under first,
    then its glossary aliases) and its count; a tag is compared by each spelling and offered
    by the one most like `tag`, so `선호최적하` is offered `#선호최적화`, the Korean spelling
    of `#rlhf`, and keeps the asker's language.
    """
    wanted = _letters(tag)
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(wanted)
    scored: list[tuple[float, int, str]] = []
    for spellings, count in tags:
        best: tuple[float, str] | None = None
        for spelling in spellings:
            matcher.set_seq1(_letters(spelling))
            if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
                continue
            ratio = matcher.ratio()
            if ratio >= cutoff and (best is None or ratio > best[0]):
                best = (ratio, spelling)
        if best is not None:
            scored.append((best[0], count, best[1]))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return [TagCount(spelling, count) for _, count, spelling in scored[:limit]]


def _letters(tag: str) -> str:
    """The tag as compared: its index key, decomposed (Hangul syllables into jamo)."""
    return unicodedata.normalize("NFD", normalize_tag(tag))
