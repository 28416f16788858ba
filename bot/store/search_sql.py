"""Runs a planned search on the index tables, in SQL that SQLite and PostgreSQL read alike.

Scores are integer arithmetic (posting weight x an integer multiplier computed in Python from
idf), aggregated with SUM/MAX/COUNT, and ties are broken by day, position and doc id, so both
databases return the same rows in the same order with the same scores. Every user value is a
bound parameter; only integers computed here are written into the SQL text.

Cost is kept proportional to the rarest part of each alternative: an alternative's slots are
joined to its rarest slot by primary-key lookups instead of each being scanned in full.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.search.index_terms import AUTHOR_PREFIX, TAG_PREFIX
from bot.search.models import SearchFilters
from bot.search.plan import Alternative, Concept, Slot
from bot.search.text import normalize_phrase
from bot.store.search_schema import DOC_COUNT_TERM

__all__ = ["MAX_PREFIX_TERMS", "RankedIds", "SqlSearchIndex", "idf"]

MAX_PREFIX_TERMS = 12
"""A prefix expands to its most frequent completions: enough for `interpretab`, and a bound on
the work a short prefix can cause."""

EXACT_PRECISION, PREFIX_PRECISION = 5, 3

Terms = list[tuple[str, int, int]]
"""(term, document frequency, precision) of what one slot matches."""


@dataclass(frozen=True, slots=True)
class RankedIds:
    """Note keys of one page in rank order, their scores, and the total number of matches."""

    keys: tuple[str, ...]
    scores: tuple[int, ...]
    total: int


@dataclass(slots=True)
class _Params:
    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


@dataclass(slots=True)
class _Context:
    vocabulary: dict[Slot, Terms]
    total_docs: int
    params: _Params


def idf(df: int, total: int) -> int:
    """BM25's idf, times 100, as an integer (at least 1)."""
    return max(1, round(100 * math.log(1 + (total - df + 0.5) / (df + 0.5))))


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
            params = _Params()
            if not concepts:
                return await _newest_first(connection, filters, params, limit, offset)
            vocabulary, total_docs = await _vocabulary(connection, concepts)
            ranked = _ranked_sql(concepts, _Context(vocabulary, total_docs, params))
            if ranked is None:
                return RankedIds((), (), 0)
            where = " AND ".join(_filter_sql(filters, params, "r", lambda d: d.toordinal()))
            source = f"FROM ({ranked}) AS r WHERE {where}"
            params.values.update(limit=limit, offset=offset)
            if "GROUP BY" in ranked:
                return await _grouped_page(connection, source, params, offset)
            return await _list_page(connection, source, params, offset)

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
    slots = list(dict.fromkeys(s for a in every for s in a.slots))
    params = _Params()
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


_PAGE = (
    "SELECT d.note_id, t.score, {total} FROM (SELECT r.doc, r.day, r.score{window} {source} "
    "ORDER BY r.score DESC, r.day DESC, r.doc LIMIT :limit OFFSET :offset) AS t "
    "JOIN search_docs AS d ON d.doc = t.doc ORDER BY t.score DESC, t.day DESC, t.doc"
)


async def _list_page(
    connection: AsyncConnection, source: str, params: _Params, offset: int
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
    connection: AsyncConnection, source: str, params: _Params, offset: int
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
    connection: AsyncConnection, filters: SearchFilters, params: _Params, limit: int, offset: int
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


def _ranked_sql(concepts: Sequence[Concept], context: _Context) -> str | None:
    """SQL yielding (doc, score) for every note matching at least one concept."""
    parts = [sql for c in concepts if (sql := _concept_sql(c, context)) is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return f"SELECT doc, day, w AS score FROM ({parts[0]}) AS q"
    # Coordination: a note matching more of the query's concepts multiplies its sum.
    return (
        f"SELECT doc, MAX(day) AS day, SUM(w) * COUNT(*) AS score FROM ({_union(parts)}) AS q "
        "GROUP BY doc"
    )


def _union(parts: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT doc, day, w FROM ({p}) AS u{i}" for i, p in enumerate(parts))


def _concept_sql(concept: Concept, context: _Context) -> str | None:
    parts = []
    for alternative in concept.alternatives:
        sql = _alternative_sql(alternative, context)
        if sql is not None:
            parts.append(sql)
        else:
            fallback = (_alternative_sql(f, context) for f in alternative.fallback)
            parts.extend(sql for sql in fallback if sql is not None)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return f"SELECT doc, MAX(day) AS day, MAX(w) AS w FROM ({_union(parts)}) AS c GROUP BY doc"


def _alternative_sql(alternative: Alternative, context: _Context) -> str | None:
    """Notes holding every slot, scored by the sum of the slots' best terms.

    The rarest slot drives; every other slot is a join on (term, doc), the postings' primary
    key. None when some slot matches nothing.
    """
    slots = [context.vocabulary[s] for s in alternative.slots]
    if any(not terms for terms in slots):
        return None
    slots.sort(key=lambda terms: (sum(df for _, df, _ in terms), terms[0][0]))
    weights = [_multipliers(t, alternative.factor, len(slots), context) for t in slots]
    sql = _slot_sql(slots[0], weights[0], context.params)
    if len(slots) > 1 or alternative.phrase is not None:
        sql = _joined_sql(sql, slots[1:], weights[1:], alternative.phrase, context.params)
    return sql


def _multipliers(terms: Terms, factor: int, slots: int, context: _Context) -> list[int]:
    return [
        max(1, round(factor * precision * idf(df, context.total_docs) / slots))
        for _, df, precision in terms
    ]


def _slot_sql(terms: Terms, multipliers: list[int], params: _Params) -> str:
    """(doc, w) of one slot: its best-scoring term per note."""
    selects = [
        f"SELECT doc, day, weight * {m} AS w FROM search_postings WHERE term = {params.bind(term)}"
        for (term, _, _), m in zip(terms, multipliers, strict=True)
    ]
    if len(selects) == 1:
        return selects[0]
    union = " UNION ALL ".join(selects)
    return f"SELECT doc, MAX(day) AS day, MAX(w) AS w FROM ({union}) AS s GROUP BY doc"


def _joined_sql(
    driver: str,
    others: list[Terms],
    weights: list[list[int]],
    phrase: str | None,
    params: _Params,
) -> str:
    """The driver's notes that also hold every other slot (and the phrase, if any)."""
    joins, scores, where = [], ["s0.w"], []
    for i, (terms, multipliers) in enumerate(zip(others, weights, strict=True), start=1):
        if len(terms) == 1:
            joins.append(f"CROSS JOIN search_postings AS s{i}")
            where.append(f"s{i}.term = {params.bind(terms[0][0])} AND s{i}.doc = s0.doc")
            scores.append(f"s{i}.weight * {multipliers[0]}")
        else:
            joins.append(f"CROSS JOIN ({_slot_sql(terms, multipliers, params)}) AS s{i}")
            where.append(f"s{i}.doc = s0.doc")
            scores.append(f"s{i}.w")
    if phrase is not None:
        joins.append("CROSS JOIN search_texts AS st")
        where.append(f"st.doc = s0.doc AND st.text LIKE {params.bind(f'% {phrase}%')}")
    return (
        f"SELECT s0.doc AS doc, s0.day AS day, {' + '.join(scores)} AS w FROM ({driver}) AS s0 "
        f"{' '.join(joins)} WHERE {' AND '.join(where)}"
    )


def _filter_sql(
    filters: SearchFilters, params: _Params, alias: str, day: Callable[[date], object]
) -> list[str]:
    """Conditions on `alias`.doc and `alias`.day (`day` turns a date into that column's value)."""
    where = ["1 = 1"]
    for group in filters.tag_groups:
        listed = ", ".join(params.bind(TAG_PREFIX + t) for t in group)
        where.append(f"{alias}.doc IN (SELECT doc FROM search_postings WHERE term IN ({listed}))")
    if filters.excluded_tags:
        # NOT EXISTS, not NOT IN: PostgreSQL can't turn NOT IN into an anti-join.
        listed = ", ".join(params.bind(TAG_PREFIX + t) for t in filters.excluded_tags)
        where.append(
            f"NOT EXISTS (SELECT 1 FROM search_postings AS x WHERE x.doc = {alias}.doc "
            f"AND x.term IN ({listed}))"
        )
    for author in filters.authors:
        where.extend(_author_sql(author, params, alias))
    if filters.since is not None:
        where.append(f"{alias}.day >= {params.bind(day(filters.since))}")
    if filters.until is not None:
        where.append(f"{alias}.day <= {params.bind(day(filters.until))}")
    return where


def _author_sql(author: str, params: _Params, alias: str) -> list[str]:
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
            f"AND y.authors_text LIKE {params.bind(f'%{name}%')})"
        )
    return where
