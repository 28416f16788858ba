"""Hard filters as posting reads, and whether the notes they allow are found first.

A query's `tag:` and `author:` filters are posting lists too: each required *group* (a tag and
its aliases, one part of an author's name) is a read whose size the vocabulary knows. Several
conditions together usually leave far fewer notes than any one of them (`tag:rlhf
tag:alignment author:wang -tag:survey` leaves one of 50,000), yet a ranking that applies them
after reading its concepts does the concepts' work first, once per pass. So when the groups'
expected intersection is small, the allowed notes are found first, in one statement driven by
the rarest group, and everything after reads only those: a query whose filters leave nothing is
answered without ranking, and both passes reuse the set instead of re-joining every filter. A
group no live note holds answers the query from the vocabulary alone.

Pure: the SQL is generated from the plan (`bot.search.index_sql`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bot.search.index_terms import author_term, tag_term
from bot.search.models import SearchFilters
from bot.search.plan import MIN_PREFIX_CHARS
from bot.search.text import normalize_phrase

__all__ = [
    "MAX_FILTERED_DOCS",
    "MAX_NAME_TERMS",
    "FilterGroup",
    "FilterPlan",
    "FilterRead",
    "conditions",
    "filter_plan",
    "filter_reads",
    "upper",
    "worth_planning",
]

MAX_FILTERED_DOCS = 2000
"""Notes a filter set found first may hold; the statement stops at one more and the query is
then filtered as it ranks (the set was no smaller than what ranking reads anyway)."""

MAX_NAME_TERMS = 16
"""Author names an `author:` prefix is expanded to (`@wang` → `@wang`, `@wangari`): exact terms
are primary-key probes; a longer list stays a range."""


def upper(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(frozen=True, slots=True)
class FilterRead:
    """Notes holding any of `terms`; with `prefix`, any term starting with `prefix` (its
    completions in `terms` when the vocabulary gave few enough, else the range is read)."""

    terms: tuple[str, ...] = ()
    prefix: str | None = None

    @property
    def is_range(self) -> bool:
        """Read as a term range: a prefix with more completions than `MAX_NAME_TERMS`."""
        return self.prefix is not None and not self.terms


@dataclass(frozen=True, slots=True)
class FilterGroup:
    """One condition every note must meet, and the postings its read costs (an upper bound
    on its notes: a note with two aliases of one tag counts twice)."""

    read: FilterRead
    postings: int


@dataclass(frozen=True, slots=True)
class FilterPlan:
    """The required groups (rarest first), what else the notes must meet, and the decision.

    `estimate` is the expected number of notes left, reading the groups as independent; the
    notes are found first (`first`) when at least two conditions meet and it is small.
    """

    groups: tuple[FilterGroup, ...]
    filters: SearchFilters
    estimate: int
    first: bool

    @property
    def empty(self) -> bool:
        """Some required group is held by no live note: nothing can match."""
        return any(g.postings == 0 for g in self.groups)


def _author_parts(author: str) -> list[FilterRead]:
    """One read per name part: a part of three or more characters is a prefix (`aro` finds
    Arora); a shorter one matches whole (`li`). A name with no word reads nothing (no note)."""
    reads = []
    for part in normalize_phrase(author).split():
        term = author_term(part)
        long = len(part) >= MIN_PREFIX_CHARS
        reads.append(FilterRead(prefix=term) if long else FilterRead((term,)))
    return reads or [FilterRead()]


def filter_reads(filters: SearchFilters) -> tuple[FilterRead, ...]:
    """Every required group's read before the vocabulary is consulted (prefixes unexpanded)."""
    reads = [FilterRead(tuple(tag_term(t) for t in group)) for group in filters.tag_groups]
    for author in filters.authors:
        reads.extend(_author_parts(author))
    return tuple(dict.fromkeys(reads))


def conditions(filters: SearchFilters) -> int:
    """How many conditions the filters set: required groups, the exclusions, a date range,
    each full name (several words) checked in the text."""
    names = sum(1 for a in filters.authors if len(normalize_phrase(a).split()) > 1)
    dates = filters.since is not None or filters.until is not None
    return len(filter_reads(filters)) + bool(filters.excluded_tags) + names + dates


def worth_planning(filters: SearchFilters) -> bool:
    """Whether the vocabulary is asked about the filters at all: a required group and at
    least one more condition (one condition alone is checked while ranking, as cheaply)."""
    return bool(filter_reads(filters)) and conditions(filters) >= 2


def filter_plan(
    filters: SearchFilters,
    found: Mapping[FilterRead, FilterGroup],
    total_docs: int,
    ranking_postings: int | None,
) -> FilterPlan | None:
    """The plan of the filters, given what the vocabulary `found` for each read of
    `filter_reads`; None when no group is required (dates and exclusions only).

    `ranking_postings` is what the ranking would read to drive (None: a filter-only query);
    finding the notes first must not cost more than that.
    """
    reads = filter_reads(filters)
    if not reads:
        return None
    groups = tuple(sorted((found[r] for r in reads), key=lambda g: (g.postings, g.read.terms)))
    estimate = float(max(total_docs, 1))
    for group in groups:
        estimate *= min(1.0, group.postings / max(total_docs, 1))
    bound = math.ceil(estimate)
    first = (
        conditions(filters) >= 2
        and bound <= MAX_FILTERED_DOCS
        and (ranking_postings is None or bound <= ranking_postings)
    )
    return FilterPlan(groups, filters, bound, first)
