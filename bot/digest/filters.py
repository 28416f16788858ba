"""The tag part of the search grammar, for destination filters.

Only `tag:a,b` (any of) and `-tag:c` (none of) are understood here; anything else is a clear
`ConfigError`. Tags are read as tag keys (`normalize_tag`), so `tag:Reward_Model` is the tag
`reward-model` here as in notes and searches.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.digest.tags import normalize_tag
from bot.errors import ConfigError
from bot.models import Note

__all__ = ["TagFilter", "parse_tag_filter"]


@dataclass(frozen=True, slots=True)
class TagFilter:
    """Any-of `required` tags (every term is one any-of group), none of `excluded`."""

    required: tuple[frozenset[str], ...] = ()
    excluded: frozenset[str] = frozenset()
    text: str = ""

    def matches(self, note: Note) -> bool:
        """True when the note has a tag of every required group and none of the excluded."""
        tags = {normalize_tag(tag) for tag in note.tags}
        if tags & self.excluded:
            return False
        return all(tags & group for group in self.required)


def _tags(term: str, raw: str) -> frozenset[str]:
    tags = frozenset(normalize_tag(t) for t in raw.split(",") if normalize_tag(t))
    if not tags:
        raise ConfigError(f"filter: {term!r} names no tag; write tag:NAME[,NAME...]")
    return tags


def parse_tag_filter(text: str) -> TagFilter:
    """Parse `tag:rlhf,alignment -tag:survey`; an empty text matches every note."""
    required: list[frozenset[str]] = []
    excluded: set[str] = set()
    for term in text.split():
        negated = term.startswith("-")
        body = term[1:] if negated else term
        field, sep, value = body.partition(":")
        if not sep or field.lower() != "tag":
            raise ConfigError(
                f"filter: {term!r} is not supported; only tag:A,B and -tag:C are (in {text!r})"
            )
        if negated:
            excluded |= _tags(term, value)
        else:
            required.append(_tags(term, value))
    return TagFilter(required=tuple(required), excluded=frozenset(excluded), text=text.strip())
