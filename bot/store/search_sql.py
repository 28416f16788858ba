"""Runs a planned search on the index tables, in SQL that SQLite and PostgreSQL read alike.

Ranking SQL comes from `search_ranking`; this module resolves the query's terms against the
vocabulary, adds the filters, and reads one page plus the total. Ties break by newer day, then
index id, so both databases return the same rows in the same order with the same scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.search.index_terms import AUTHOR_PREFIX, TAG_PREFIX
from bot.search.models import SearchFilters
from bot.search.plan import Concept, Slot
from bot.search.text import normalize_phrase
from bot.store.search_ranking import (
    EXACT_PRECISION,
    PREFIX_PRECISION,
    Params,
    RankContext,
    Terms,
    contains,
    ranked_sql,
)
from bot.store.search_schema import DOC_COUNT_TERM

__all__ = ["MAX_PREFIX_TERMS", "RankedIds", "SqlSearchIndex"]

MAX_PREFIX_TERMS = 12
"""A prefix expands to its most frequent completions: enough for `interpretab`, and a bound on
the work a short prefix can cause."""


@dataclass(frozen=True, slots=True)
class RankedIds:
    """Note keys of one page in rank order, their scores, and the total number of matches."""

    keys: tuple[str, ...]
    scores: tuple[int, ...]
    total: int


def _upper(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix` (code point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class SqlSearchIndex:
    """Reads the index tables; writes happen at ingest (`bot.store.search_index`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def search(
        self, concepts: Sequence[Concept], filters: SearchFilters, *, limit: int, offset: int
    ) -> RankedIds:
        """One page of note keys: ranked when there are concepts, else newest first."""
        async with self._engine.connect() as connection:
            if not concepts:
                params = Params(connection.dialect.name)
                return await _newest_first(connection, filters, params, limit, offset)
            vocabulary, total_docs = await _vocabulary(connection, concepts)
            found = RankedIds((), (), 0)
            # Notes with every concept first; when none has them all, notes with any.
            for all_required in (True, False) if len(concepts) > 1 else (False,):
                params = Params(connection.dialect.name)
                context = RankContext(vocabulary, total_docs, params)
                ranked = ranked_sql(concepts, context, all_required=all_required)
                if ranked is not None:
                    found = await _ranked_page(connection, ranked, filters, params, limit, offset)
                if found.total:
                    break
            return found

    async def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag of a live note, with how many live notes carry it."""
        sql = (
            "SELECT t.tag, COUNT(*) FROM note_tags AS t JOIN notes AS n ON n.id = t.note_id "
            "WHERE n.retracted = :live GROUP BY t.tag"
        )
        async with self._engine.connect() as connection:
            rows = await connection.execute(text(sql), {"live": False})
            return [(str(tag), int(count)) for tag, count in rows.all()]


async def _vocabulary(
    connection: AsyncConnection, concepts: Sequence[Concept]
) -> tuple[dict[Slot, Terms], int]:
    """What every slot matches, and the number of notes; one round trip.

    A prefix slot whose word is itself a known term matches only that term: prefixes are for
    partial words (`interpretab`), not for widening whole ones (`model` → `modern`).
    """
    every = [a for c in concepts for a in c.alternatives]
    every += [f for a in every for f in a.fallback]
    slots = list(dict.fromkeys(s for a in every for s in (*a.slots, *a.filters)))
    params = Params(connection.dialect.name)
    exact = ", ".join(params.bind(t) for t in [DOC_COUNT_TERM, *(s.term for s in slots)])
    parts = [f"SELECT -1 AS k, term, df FROM search_terms WHERE term IN ({exact})"]
    prefixed = [s for s in slots if s.prefix]
    for k, slot in enumerate(prefixed):
        low, high = params.bind(slot.term), params.bind(_upper(slot.term))
        parts.append(
            f"SELECT * FROM (SELECT {k} AS k, term, df FROM search_terms "
            f"WHERE term > {low} AND term < {high} "
            f"AND df > 0 ORDER BY df DESC, term LIMIT {MAX_PREFIX_TERMS}) AS v{k}"
        )
    rows = (await connection.execute(text(" UNION ALL ".join(parts)), params.values)).all()
    exact_df = {str(term): int(df) for k, term, df in rows if k == -1}
    found: dict[Slot, Terms] = {}
    for slot in slots:
        df = exact_df.get(slot.term, 0)
        found[slot] = [(slot.term, df, EXACT_PRECISION)] if df > 0 else []
    for k, term, df in rows:
        if k >= 0 and not found[prefixed[k]]:
            found[prefixed[k]] = [(str(term), int(df), PREFIX_PRECISION)]
        elif k >= 0 and found[prefixed[k]][0][2] == PREFIX_PRECISION:
            found[prefixed[k]].append((str(term), int(df), PREFIX_PRECISION))
    return found, exact_df.get(DOC_COUNT_TERM, 0)


async def _ranked_page(
    connection: AsyncConnection,
    ranked: str,
    filters: SearchFilters,
    params: Params,
    limit: int,
    offset: int,
) -> RankedIds:
    where = " AND ".join(_filter_sql(filters, params, "r", lambda d: d.toordinal()))
    source = f"FROM ({ranked}) AS r WHERE {where}"
    params.values.update(limit=limit, offset=offset)
    if _count_in_page(ranked):
        return await _grouped_page(connection, source, params, offset)
    return await _list_page(connection, source, params, offset)


def _count_in_page(ranked: str) -> bool:
    """A ranking that groups or joins postings would do that work twice with a separate
    count; only a single posting-list read is cheap to count on its own."""
    return "GROUP BY" in ranked or "JOIN" in ranked


_PAGE = (
    "SELECT d.note_id, t.score, {total} FROM (SELECT r.doc, r.day, r.score{window} {source} "
    "ORDER BY r.score DESC, r.day DESC, r.doc LIMIT :limit OFFSET :offset) AS t "
    "JOIN search_docs AS d ON d.doc = t.doc ORDER BY t.score DESC, t.day DESC, t.doc"
)


async def _list_page(
    connection: AsyncConnection, source: str, params: Params, offset: int
) -> RankedIds:
    """A ranking read straight off posting lists: counting is a cheap second pass, and the
    page is a top-N sort."""
    total = int(await connection.scalar(text(f"SELECT COUNT(*) {source}"), params.values) or 0)
    if total <= offset:
        return RankedIds((), (), total)
    page = _PAGE.format(total="0", window="", source=source)
    rows = (await connection.execute(text(page), params.values)).all()
    return RankedIds(tuple(r[0] for r in rows), tuple(int(r[1]) for r in rows), total)


async def _grouped_page(
    connection: AsyncConnection, source: str, params: Params, offset: int
) -> RankedIds:
    """A ranking that groups postings: grouping twice would cost more than a window count."""
    page = _PAGE.format(total="t.total", window=", COUNT(*) OVER () AS total", source=source)
    rows = (await connection.execute(text(page), params.values)).all()
    if not rows and offset > 0:
        params.values.update(limit=1, offset=0)
        probe = (await connection.execute(text(page), params.values)).all()
        return RankedIds((), (), int(probe[0][2]) if probe else 0)
    total = int(rows[0][2]) if rows else 0
    return RankedIds(tuple(r[0] for r in rows), tuple(int(r[1]) for r in rows), total)


async def _newest_first(
    connection: AsyncConnection, filters: SearchFilters, params: Params, limit: int, offset: int
) -> RankedIds:
    """Filter-only queries: newest day first, then file order. The first tag group, when there
    is one, drives (its notes are few); otherwise the day index does."""
    source = "search_docs AS d"
    if filters.tag_groups:
        listed = ", ".join(params.bind(TAG_PREFIX + t) for t in filters.tag_groups[0])
        source = (
            f"(SELECT DISTINCT doc FROM search_postings WHERE term IN ({listed})) AS t "
            "JOIN search_docs AS d ON d.doc = t.doc"
        )
        filters = replace(filters, tag_groups=filters.tag_groups[1:])
    where = " AND ".join(
        [f"d.retracted = {params.bind(False)}", *_filter_sql(filters, params, "d", lambda d: d)]
    )
    sql = (
        f"SELECT d.note_id, COUNT(*) OVER () AS total FROM {source} WHERE {where} "
        "ORDER BY d.day DESC, d.position, d.doc LIMIT :limit OFFSET :offset"
    )
    params.values.update(limit=limit, offset=offset)
    rows = (await connection.execute(text(sql), params.values)).all()
    if not rows and offset > 0:
        params.values.update(limit=1, offset=0)
        rows = (await connection.execute(text(sql), params.values)).all()
        return RankedIds((), (), int(rows[0][1]) if rows else 0)
    total = int(rows[0][1]) if rows else 0
    return RankedIds(tuple(r[0] for r in rows), tuple(0 for _ in rows), total)


def _filter_sql(
    filters: SearchFilters, params: Params, alias: str, day: Callable[[date], object]
) -> list[str]:
    """Conditions on `alias`.doc and `alias`.day (`day` turns a date into that column's value)."""
    where = ["1 = 1"]
    for group in filters.tag_groups:
        listed = ", ".join(params.bind(TAG_PREFIX + t) for t in group)
        where.append(f"{alias}.doc IN (SELECT doc FROM search_postings WHERE term IN ({listed}))")
    if filters.excluded_tags:
        where.append(_excluded_sql(filters.excluded_tags, params, alias))
    for author in filters.authors:
        where.extend(_author_sql(author, params, alias))
    if filters.since is not None:
        where.append(f"{alias}.day >= {params.bind(day(filters.since))}")
    if filters.until is not None:
        where.append(f"{alias}.day <= {params.bind(day(filters.until))}")
    return where


def _excluded_sql(tags: Sequence[str], params: Params, alias: str) -> str:
    """Same rows either way (doc is never NULL): SQLite hashes a NOT IN set once, while
    PostgreSQL only plans NOT EXISTS as an anti-join."""
    listed = ", ".join(params.bind(TAG_PREFIX + t) for t in tags)
    if params.dialect == "postgresql":
        return (
            f"NOT EXISTS (SELECT 1 FROM search_postings AS x WHERE x.doc = {alias}.doc "
            f"AND x.term IN ({listed}))"
        )
    return f"{alias}.doc NOT IN (SELECT doc FROM search_postings WHERE term IN ({listed}))"


def _author_sql(author: str, params: Params, alias: str) -> list[str]:
    """Any part of a name, by prefix; several words must also appear together in one name."""
    name = normalize_phrase(author)
    parts = name.split()
    if not parts:
        return ["1 = 0"]
    where = [
        f"{alias}.doc IN (SELECT doc FROM search_postings "
        f"WHERE term >= {params.bind(AUTHOR_PREFIX + p)} "
        f"AND term < {params.bind(_upper(AUTHOR_PREFIX + p))})"
        for p in parts
    ]
    if len(parts) > 1:
        where.append(
            f"EXISTS (SELECT 1 FROM search_texts AS y WHERE y.doc = {alias}.doc "
            f"AND {contains('y.authors_text', params.bind(name), params.dialect)})"
        )
    return where
