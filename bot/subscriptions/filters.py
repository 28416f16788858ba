"""What a subscription follows: filters of the `/paper` grammar, in one canonical spelling.

`/paper subscribe tag:rlhf tag:alignment` follows two tags, each on its own (as a 🔔 on a paper
does for its tags); any other filter (`tag:rlhf -tag:survey`, `author:arora`,
`tag:rlhf author:arora`, `since:2024-06`) is one subscription, matched as `/paper` matches it.
Keywords are not filters: a subscription names tags, authors and dates. The canonical text is
what is stored (under a unique constraint) and shown, so `#RLHF` and `tag:rlhf` are one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from bot.errors import QuerySyntaxError
from bot.models import Note
from bot.search.query import MAX_QUERY_CHARS, Query, parse_query
from bot.search.text import fold, split_words

__all__ = [
    "SubscriptionFilter",
    "SubscriptionTextError",
    "canonical",
    "parse_subscriptions",
    "stored_filter",
    "tag_filter",
]


class SubscriptionTextError(ValueError):
    """What was typed is not a subscription; `code` names the catalogue sentence."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    """One followed filter: its canonical text, the parsed query, and when it began."""

    text: str
    query: Query
    since: datetime

    @property
    def any_of_tags(self) -> tuple[str, ...]:
        """A matching note has one of the first tag group's tags (none: no tag group)."""
        return self.query.tag_groups[0] if self.query.tag_groups else ()

    def matches(self, note: Note) -> bool:
        """Whether `/paper <text>` would list the note (tags, excluded tags, authors, dates)."""
        q, tags = self.query, set(note.tags)
        if tags & set(q.excluded_tags) or not all(tags & set(group) for group in q.tag_groups):
            return False
        if q.since is not None and note.day < q.since:
            return False
        if q.until is not None and note.day > q.until:
            return False
        return all(_author_matches(author, note.authors) for author in q.authors)


def _author_matches(wanted: str, authors: tuple[str, ...]) -> bool:
    """Every part of `wanted` starts a word of one author's name (parts under three
    characters match a whole word), as the search index reads `author:`."""
    parts = split_words(wanted)
    for author in authors:
        words = split_words(author)
        if parts and all(
            any(w.startswith(p) if len(p) >= 3 else w == p for w in words) for p in parts
        ):
            return True
    return False


def canonical(query: Query) -> str:
    """One spelling per filter: tag groups, authors, excluded tags, dates, in that order."""
    terms = [f"tag:{','.join(sorted(group))}" for group in sorted(set(query.tag_groups))]
    for author in sorted(set(query.authors)):
        terms.append(f'author:"{author}"' if " " in author else f"author:{author}")
    terms += [f"-tag:{tag}" for tag in sorted(set(query.excluded_tags))]
    if query.since is not None and query.since == query.until:
        terms.append(f"date:{query.since.isoformat()}")
    else:
        terms += [f"since:{query.since.isoformat()}"] if query.since else []
        terms += [f"until:{query.until.isoformat()}"] if query.until else []
    return " ".join(terms)


def parse_subscriptions(text: str, now: datetime) -> list[SubscriptionFilter]:
    """The subscriptions `text` asks for (one per bare tag, else one for the whole filter).

    Raises:
        QuerySyntaxError: the grammar cannot read it (said with the grammar's own sentences).
        SubscriptionTextError: it is empty, or holds keywords, an id or a page.
    """
    query = parse_query(text)
    if query.note_id is not None or query.has_terms or query.page != 1:
        word = " ".join((*query.words, *query.phrases)) or text.strip()
        raise SubscriptionTextError("subs.not_a_filter", typed=fold(word)[:100])
    if query.is_empty and not (query.since or query.until):
        raise SubscriptionTextError("subs.empty")
    only_tags = not (query.excluded_tags or query.authors or query.since or query.until)
    if only_tags and all(len(group) == 1 for group in query.tag_groups):
        tags = dict.fromkeys(group[0] for group in query.tag_groups)
        texts = [_storable(f"tag:{tag}") for tag in tags]
        return [SubscriptionFilter(text, parse_query(text), now) for text in texts]
    return [SubscriptionFilter(_storable(canonical(query)), query, now)]


def _storable(text: str) -> str:
    """The canonical text, if the grammar can read it back (and the store's column hold it):
    folding can lengthen what was typed (NFKC writes `ﷺ` out as 18 characters)."""
    if len(text) > MAX_QUERY_CHARS:
        raise SubscriptionTextError(
            "subs.too_long", length=str(len(text)), limit=str(MAX_QUERY_CHARS)
        )
    return text


def tag_filter(tag: str, now: datetime) -> SubscriptionFilter:
    """The subscription to one tag (what a 🔔 adds per tag of the paper)."""
    return SubscriptionFilter(f"tag:{tag}", parse_query(f"tag:{tag}"), now)


def stored_filter(text: str, since: datetime) -> SubscriptionFilter | None:
    """A stored subscription read back; None if the grammar no longer reads it (logged by
    the caller, never raised into a digest)."""
    try:
        return SubscriptionFilter(text, _parsed(text), since)
    except QuerySyntaxError:
        return None


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Query:
    """Stored texts repeat across people (`tag:rlhf`): each is parsed once per process."""
    return parse_query(text)
