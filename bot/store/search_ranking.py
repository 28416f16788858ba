"""SQL that ranks notes for planned concepts, identical on SQLite and PostgreSQL.

Scores are integer arithmetic (posting weight x an integer multiplier computed here from idf),
aggregated with SUM/MAX/COUNT. Cost follows the rarest part of each alternative: its other slots
are joined to the rarest one by primary-key lookups instead of each being scanned in full.
Every user value is a bound parameter; only integers computed here are written into SQL text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.search.plan import Alternative, Concept, Slot

__all__ = [
    "EXACT_PRECISION",
    "PREFIX_PRECISION",
    "Params",
    "RankContext",
    "Terms",
    "contains",
    "idf",
    "ranked_sql",
]

EXACT_PRECISION, PREFIX_PRECISION = 5, 3

Terms = list[tuple[str, int, int]]
"""(term, document frequency, precision) of what one slot matches."""


@dataclass(slots=True)
class Params:
    """Bound parameters of one statement: `bind` returns the placeholder for a value."""

    dialect: str
    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        """Add a value; returns its `:pN` placeholder."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


@dataclass(slots=True)
class RankContext:
    """What ranking needs besides the plan: each slot's terms, the note count, the params."""

    vocabulary: dict[Slot, Terms]
    total_docs: int
    params: Params
    restrict: str = ""


def contains(column: str, needle: str, dialect: str) -> str:
    """Substring test: `instr` on SQLite is many times faster than its Unicode-aware LIKE;
    `strpos` on PostgreSQL. Both compare code points exactly (the texts are folded already)."""
    function = "strpos" if dialect == "postgresql" else "instr"
    return f"{function}({column}, {needle}) > 0"


def idf(df: int, total: int) -> int:
    """BM25's idf, times 100, as an integer (at least 1)."""
    return max(1, round(100 * math.log(1 + (total - df + 0.5) / (df + 0.5))))


def ranked_sql(
    concepts: Sequence[Concept], context: RankContext, *, all_required: bool = False
) -> str | None:
    """SQL yielding (doc, day, score) for every note matching at least one concept, or with
    `all_required`, every concept (None when some concept matches nothing)."""
    if all_required and len(concepts) > 1:
        return _all_concepts_sql(concepts, context)
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


def _all_concepts_sql(concepts: Sequence[Concept], context: RankContext) -> str | None:
    """Notes matching every concept: the rarest concept is computed once (d0) and the others
    only read postings of its notes, so common words cost lookups, not scans."""
    costs = [_concept_cost(c, context) for c in concepts]
    if not all(costs):
        return None
    order = sorted(range(len(concepts)), key=lambda i: (costs[i], i))
    joined = _joined_concepts_sql([concepts[i] for i in order], context)
    if joined is not None:
        return joined
    driver = _concept_sql(concepts[order[0]], context)
    restricted = replace(context, restrict=" AND doc IN (SELECT doc FROM d0)")
    others = [_concept_sql(concepts[i], restricted) for i in order[1:]]
    union = _union(["SELECT doc, day, w FROM d0", *(o for o in others if o is not None)])
    return (
        f"WITH d0 AS MATERIALIZED ({driver}) "
        f"SELECT doc, MAX(day) AS day, SUM(w) * COUNT(*) AS score FROM ({union}) AS q "
        f"GROUP BY doc HAVING COUNT(*) = {len(concepts)}"
    )


def _joined_concepts_sql(concepts: Sequence[Concept], context: RankContext) -> str | None:
    """Every concept by a join on doc, when each but the first (the rarest) gives one row per
    note (no GROUP BY): the others are then primary-key lookups for the driver's notes, with
    no union to group. The same rows and scores as the grouped form, whose COUNT(*) is the
    number of concepts and whose MAX(day) is the note's one day; None otherwise."""
    trial = Params(context.params.dialect, dict(context.params.values))
    parts = [_concept_sql(c, replace(context, params=trial)) for c in concepts]
    if any(p is None or "GROUP BY" in p for p in parts[1:]) or parts[0] is None:
        return None
    context.params.values.update(trial.values)
    joins = " ".join(
        f"CROSS JOIN ({p}) AS c{i}" for i, p in enumerate(parts[1:], start=1) if p is not None
    )
    where = " AND ".join(f"c{i}.doc = c0.doc" for i in range(1, len(parts)))
    score = " + ".join(f"c{i}.w" for i in range(len(parts)))
    return (
        f"SELECT c0.doc AS doc, c0.day AS day, ({score}) * {len(parts)} AS score "
        f"FROM ({parts[0]}) AS c0 {joins} WHERE {where}"
    )


def _concept_cost(concept: Concept, context: RankContext) -> int:
    """Postings the concept's alternatives would read at least (0: it matches nothing)."""
    total = 0
    for alternative in concept.alternatives:
        cost = _alternative_cost(alternative, context)
        if cost is None:
            cost = sum(_alternative_cost(f, context) or 0 for f in alternative.fallback)
        total += cost
    return total


def _alternative_cost(alternative: Alternative, context: RankContext) -> int | None:
    slots = [context.vocabulary[s] for s in (*alternative.slots, *alternative.filters)]
    if any(not terms for terms in slots):
        return None
    return min(sum(df for _, df, _ in terms) for terms in slots)


def _union(parts: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT doc, day, w FROM ({p}) AS u{i}" for i, p in enumerate(parts))


def _concept_sql(concept: Concept, context: RankContext) -> str | None:
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


def _alternative_sql(alternative: Alternative, context: RankContext) -> str | None:
    """Notes holding every slot, scored by the sum of the slots' best terms.

    The rarest slot drives; every other slot is a join on (term, doc), the postings' primary
    key. None when some slot matches nothing.
    """
    slots = [context.vocabulary[s] for s in alternative.slots]
    filters = [context.vocabulary[s] for s in alternative.filters]
    if any(not terms for terms in (*slots, *filters)):
        return None
    if filters:
        return _filtered_sql(slots, filters, alternative.factor, context)
    slots.sort(key=lambda terms: (sum(df for _, df, _ in terms), terms[0][0]))
    weights = [_multipliers(t, alternative.factor, len(slots), context) for t in slots]
    sql = _slot_sql(slots[0], weights[0], context)
    if len(slots) > 1 or alternative.phrase is not None:
        sql = _joined_sql(sql, slots[1:], weights[1:], alternative.phrase, context)
    return sql


def _filtered_sql(
    slots: list[Terms], filters: list[Terms], factor: int, context: RankContext
) -> str:
    """Notes holding every filter term (a phrase's word pairs), scored by the slots alone.

    The rarest filter drives (a pair is never commoner than its words); the slots and the
    other filters are primary-key lookups, the filters multiplied by 0.
    """
    filters = sorted(filters, key=lambda terms: (terms[0][1], terms[0][0]))
    weights = [_multipliers(t, factor, len(slots), context) for t in slots]
    driver = (
        f"SELECT doc, day, 0 AS w FROM search_postings "
        f"WHERE term = {context.params.bind(filters[0][0][0])}{context.restrict}"
    )
    others = [*slots, *filters[1:]]
    return _joined_sql(driver, others, [*weights, *([0] for _ in filters[1:])], None, context)


def _multipliers(terms: Terms, factor: int, slots: int, context: RankContext) -> list[int]:
    return [
        max(1, round(factor * precision * idf(df, context.total_docs) / slots))
        for _, df, precision in terms
    ]


def _slot_sql(terms: Terms, multipliers: list[int], context: RankContext) -> str:
    """(doc, day, w) of one slot: its best-scoring term per note."""
    selects = [
        f"SELECT doc, day, weight * {m} AS w FROM search_postings "
        f"WHERE term = {context.params.bind(term)}{context.restrict}"
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
    context: RankContext,
) -> str:
    """The driver's notes that also hold every other slot (and the phrase, if any)."""
    params = context.params
    joins, scores, where = [], ["s0.w"], []
    for i, (terms, multipliers) in enumerate(zip(others, weights, strict=True), start=1):
        if len(terms) == 1:
            joins.append(f"CROSS JOIN search_postings AS s{i}")
            where.append(f"s{i}.term = {params.bind(terms[0][0])} AND s{i}.doc = s0.doc")
            scores.append(f"s{i}.weight * {multipliers[0]}")
        else:
            joins.append(f"CROSS JOIN ({_slot_sql(terms, multipliers, context)}) AS s{i}")
            where.append(f"s{i}.doc = s0.doc")
            scores.append(f"s{i}.w")
    if phrase is not None:
        joins.append("CROSS JOIN search_texts AS st")
        found = contains("st.text", params.bind(f" {phrase}"), params.dialect)
        where.append(f"st.doc = s0.doc AND {found}")
    return (
        f"SELECT s0.doc AS doc, s0.day AS day, {' + '.join(scores)} AS w FROM ({driver}) AS s0 "
        f"{' '.join(joins)} WHERE {' AND '.join(where)}"
    )
