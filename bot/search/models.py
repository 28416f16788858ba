"""What a search returns: a page of ranked hits with a total and cursors to the next pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.models import Note
from bot.search.query import Query

__all__ = [
    "PAGE_SIZE",
    "AuthorCount",
    "MissingAuthor",
    "MissingTag",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "TagCount",
]

PAGE_SIZE = 5
"""Entries per `/paper` page: five fit one Slack message and one Discord embed set."""


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Hard filters, with tag aliases already expanded: every group must hold, none excluded."""

    tag_groups: tuple[tuple[str, ...], ...] = ()
    excluded_tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching note and its score (0 for filter-only queries, which list newest first)."""

    note: Note
    score: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results; cursors are the query texts that show the neighbouring pages."""

    query: Query
    hits: tuple[SearchHit, ...]
    total: int
    page_size: int = PAGE_SIZE
    ranked: bool = False

    @property
    def page(self) -> int:
        """This page's number, 1-based."""
        return self.query.page

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return max(1, -(-self.total // self.page_size))

    @property
    def next_cursor(self) -> str | None:
        """Query text for the next page, or None on the last page."""
        return self.query.at_page(self.page + 1) if self.page < self.pages else None

    @property
    def prev_cursor(self) -> str | None:
        """Query text for the previous page, or None on the first page."""
        return self.query.at_page(self.page - 1) if self.page > 1 else None


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag and how many live notes carry it (aliases counted under the first spelling)."""

    tag: str
    count: int


@dataclass(frozen=True, slots=True)
class MissingTag:
    """A tag a query filters by that no live note has under any spelling (its key, as the
    query read it), and the tags notes have nearest to it, nearest first."""

    tag: str
    nearest: tuple[TagCount, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorCount:
    """An author's name as notes write it (the spelling most of them use) and how many live
    notes name that author."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class MissingAuthor:
    """An `author:` filter no live note's authors match on its own (folded, as the query read
    it), and the authors notes have nearest to it, nearest first."""

    author: str
    nearest: tuple[AuthorCount, ...] = ()
