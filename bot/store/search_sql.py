"""Runs a planned search on the index tables, in SQL that SQLite and PostgreSQL read alike.

Scores are integer arithmetic (posting weight x an integer multiplier computed in Python from
idf), aggregated with SUM/MAX/COUNT, and ties are broken by day, position and doc id, so both
databases return the same rows in the same order with the same scores. Every user value is a
bound parameter; only integers computed here are written into the SQL text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.search.index_terms import AUTHOR_PREFIX, TAG_PREFIX
from bot.search.models import SearchFilters
from bot.search.plan import Alternative, Concept, Slot
from bot.search.text import normalize_phrase

__all__ = ["MAX_PREFIX_TERMS", "RankedIds", "SqlSearchIndex", "idf"]

MAX_PREFIX_TERMS = 12
"""A prefix expands to its most frequent completions: enough for `interpretab`, and a bound on
the work a one-letter-longer-than-minimum prefix can cause."""

EXACT_PRECISION, PREFIX_PRECISION = 5, 3


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
            where = _filter_sql(filters, params)
            if concepts:
                vocabulary, total_docs = await self._vocabulary(connection, concepts)
                ranked = _ranked_sql(concepts, vocabulary, total_docs, params)
                if ranked is None:
                    return RankedIds((), (), 0)
                sql = _page_sql(ranked, where)
            else:
                sql = _page_sql(None, where)
            params.values.update(limit=limit, offset=offset)
            rows = (await connection.execute(text(sql), params.values)).all()
            if not rows and offset > 0:
                params.values.update(limit=1, offset=0)
                probe = (await connection.execute(text(sql), params.values)).all()
                return RankedIds((), (), int(probe[0][2]) if probe else 0)
        total = int(rows[0][2]) if rows else 0
        return RankedIds(tuple(r[0] for r in rows), tuple(int(r[1]) for r in rows), total)

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
        self, connection: Any, concepts: Sequence[Concept]
    ) -> tuple[dict[Slot, list[tuple[str, int, int]]], int]:
        """For every slot: (term, df, precision) of the terms it matches; and the doc count."""
        slots = list(dict.fromkeys(s for c in concepts for a in c.alternatives for s in a.slots))
        params = _Params()
        exact = ", ".join(params.bind(s.term) for s in slots)
        parts = [f"SELECT -1 AS k, term, df FROM search_terms WHERE term IN ({exact}) AND df > 0"]
        prefixed = [s for s in slots if s.prefix]
        for k, slot in enumerate(prefixed):
            low, high = params.bind(slot.term), params.bind(_upper(slot.term))
            parts.append(
                f"SELECT * FROM (SELECT {k} AS k, term, df FROM search_terms "
                f"WHERE term > {low} AND term < {high} "
                f"AND df > 0 ORDER BY df DESC, term LIMIT {MAX_PREFIX_TERMS}) AS v{k}"
            )
        rows = (await connection.execute(text(" UNION ALL ".join(parts)), params.values)).all()
        total = await connection.scalar(text("SELECT COUNT(*) FROM search_docs"))
        found: dict[Slot, list[tuple[str, int, int]]] = {s: [] for s in slots}
        exact_df = {term: df for k, term, df in rows if k == -1}
        for slot in slots:
            if slot.term in exact_df:
                found[slot].append((slot.term, exact_df[slot.term], EXACT_PRECISION))
        for k, term, df in rows:
            if k >= 0:
                found[prefixed[k]].append((term, df, PREFIX_PRECISION))
        return found, int(total or 0)


def _ranked_sql(
    concepts: Sequence[Concept],
    vocabulary: dict[Slot, list[tuple[str, int, int]]],
    total_docs: int,
    params: _Params,
) -> str | None:
    """SQL yielding (doc, score) for every note matching at least one concept."""
    parts = [
        sql
        for concept in concepts
        if (sql := _concept_sql(concept, vocabulary, total_docs, params)) is not None
    ]
    if not parts:
        return None
    if len(parts) == 1:
        return f"SELECT doc, w AS score FROM ({parts[0]}) AS r"
    # Coordination: a note matching more of the query's concepts multiplies its sum.
    return f"SELECT doc, SUM(w) * COUNT(*) AS score FROM ({_union(parts)}) AS r GROUP BY doc"


def _union(parts: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT doc, w FROM ({p}) AS u{i}" for i, p in enumerate(parts))


def _concept_sql(
    concept: Concept,
    vocabulary: dict[Slot, list[tuple[str, int, int]]],
    total_docs: int,
    params: _Params,
) -> str | None:
    parts = [
        sql
        for alternative in concept.alternatives
        if (sql := _alternative_sql(alternative, vocabulary, total_docs, params)) is not None
    ]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return f"SELECT doc, MAX(w) AS w FROM ({_union(parts)}) AS c GROUP BY doc"


def _alternative_sql(
    alternative: Alternative,
    vocabulary: dict[Slot, list[tuple[str, int, int]]],
    total_docs: int,
    params: _Params,
) -> str | None:
    """Notes holding every slot; each slot scores its best term. None if a slot can't match."""
    if any(not vocabulary[slot] for slot in alternative.slots):
        return None
    count = len(alternative.slots)
    slots = [
        _slot_sql(vocabulary[slot], alternative.factor, count, total_docs, params)
        for slot in alternative.slots
    ]
    sql = slots[0]
    if count > 1:
        sql = f"SELECT doc, SUM(w) AS w FROM ({_union(slots)}) AS a GROUP BY doc "
        sql += f"HAVING COUNT(*) = {count}"
    if alternative.phrase is None:
        return sql
    pattern = params.bind(f"% {normalize_phrase(alternative.phrase)}%")
    return (
        f"SELECT f.doc, f.w FROM ({sql}) AS f JOIN search_docs AS fd ON fd.doc = f.doc "
        f"WHERE fd.text LIKE {pattern}"
    )


def _slot_sql(
    terms: Sequence[tuple[str, int, int]], factor: int, slots: int, total_docs: int, params: _Params
) -> str:
    selects = []
    for term, df, precision in terms:
        multiplier = max(1, round(factor * precision * idf(df, total_docs) / slots))
        selects.append(
            f"SELECT doc, weight * {multiplier} AS w FROM search_postings "
            f"WHERE term = {params.bind(term)}"
        )
    if len(selects) == 1:
        return selects[0]
    return f"SELECT doc, MAX(w) AS w FROM ({' UNION ALL '.join(selects)}) AS s GROUP BY doc"


def _filter_sql(filters: SearchFilters, params: _Params) -> list[str]:
    where = [f"d.retracted = {params.bind(False)}"]
    for group in filters.tag_groups:
        tags = ", ".join(params.bind(TAG_PREFIX + tag) for tag in group)
        where.append(f"d.doc IN (SELECT doc FROM search_postings WHERE term IN ({tags}))")
    if filters.excluded_tags:
        tags = ", ".join(params.bind(TAG_PREFIX + tag) for tag in filters.excluded_tags)
        where.append(f"d.doc NOT IN (SELECT doc FROM search_postings WHERE term IN ({tags}))")
    for author in filters.authors:
        where.extend(_author_sql(author, params))
    if filters.since is not None:
        where.append(f"d.day >= {params.bind(filters.since)}")
    if filters.until is not None:
        where.append(f"d.day <= {params.bind(filters.until)}")
    return where


def _author_sql(author: str, params: _Params) -> list[str]:
    """Any part of a name, by prefix; several words must also appear together in one name."""
    name = normalize_phrase(author)
    parts = name.split()
    if not parts:
        return ["1 = 0"]
    where = [
        f"d.doc IN (SELECT doc FROM search_postings WHERE term >= {params.bind(AUTHOR_PREFIX + p)}"
        f" AND term < {params.bind(_upper(AUTHOR_PREFIX + p))})"
        for p in parts
    ]
    if len(parts) > 1:
        where.append(f"d.authors_text LIKE {params.bind(f'%{name}%')}")
    return where


def _page_sql(ranked_sql: str | None, where: list[str]) -> str:
    conditions = " AND ".join(where)
    if ranked_sql is not None:
        return (
            "SELECT d.note_id, r.score, COUNT(*) OVER () AS total "
            f"FROM ({ranked_sql}) AS r JOIN search_docs AS d ON d.doc = r.doc WHERE {conditions} "
            "ORDER BY r.score DESC, d.day DESC, d.position, d.doc LIMIT :limit OFFSET :offset"
        )
    return (
        f"SELECT d.note_id, 0 AS score, COUNT(*) OVER () AS total FROM search_docs AS d "
        f"WHERE {conditions} ORDER BY d.day DESC, d.position, d.doc LIMIT :limit OFFSET :offset"
    )
