"""Tags near a tag no note has: what `/paper tag:rhlf` offers instead (`#rlhf`).

Pure and small: a team has hundreds of tags at most, so every spelling is compared
(`bot.search.near`), no index needed. Tags are compared as the index keys them
(`normalize_tag`), decomposed (NFD): a Hangul syllable becomes its jamo, so a one-key typo in
`강화학슴` costs one letter of eleven rather than a whole syllable of four.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.digest.tags import normalize_tag
from bot.search.models import TagCount
from bot.search.near import NEAR_CUTOFF, nearest

__all__ = ["NEAREST_TAGS", "NEAR_CUTOFF", "nearest_tags"]

NEAREST_TAGS = 3
"""Tags offered at most: a line and a row of buttons, not another tag list."""


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
    near = nearest(tag, tags, normalize_tag, limit=limit, cutoff=cutoff)
    return [TagCount(spelling, count) for spelling, count in near]
