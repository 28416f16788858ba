"""Reads the search index: a typed plan in, the SQL that SQLite and PostgreSQL read alike out.

`bot.search.ranking` decides what is read and how it combines (a `RankPlan`); this module
resolves the query's slots against the vocabulary, turns the plan's nodes into SQL, adds the
filters, and reads one page plus the total. Ties break by newer day, then index id, so both
databases return the same rows in the same order with the same scores.

Ranking SQL is written as text, generated node by node: SQLite keeps the table order of a
`CROSS JOIN`, which is how the rarest posting list is made to drive; SQLAlchemy Core has no
such join. Every user value is a bound parameter; only integers from the plan are written
into the SQL text. Tag counts and the vocabulary are plain Core reads.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, func, literal_column, null, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.search.filter_plan import (
    MAX_FILTERED_DOCS,
    MAX_NAME_TERMS,
    FilterGroup,
    FilterPlan,
    FilterRead,
    filter_plan,
    filter_reads,
    upper,
    worth_planning,
)
from bot.search.index_terms import AUTHOR_PREFIX, TAG_PREFIX, author_term, tag_term
from bot.search.models import SearchFilters
from bot.search.plan import MIN_PREFIX_CHARS, Concept, Slot
from bot.search.ranking import (
    EXACT_PRECISION,
    PREFIX_PRECISION,
    AlternativeRead,
    Combine,
    ConceptRead,
    RankPass,
    RankPlan,
    SlotRead,
    Terms,
    rank_plan,
)
from bot.search.text import MAX_TERM_CHARS, normalize_phrase
from bot.store.schema import NoteRow, NoteTagRow
from bot.store.search_generation import GENERATION_ROW, SearchGenerationRow
from bot.store.search_schema import (
    DOC_COUNT_TERM,
    SearchDocRow,
    SearchPostingRow,
    SearchTermRow,
)

__all__ = [
    "MAX_PREFIX_TERMS",
    "IndexReader",
    "ListDriver",
    "ListPlan",
    "RankedIds",
    "SqlSearchIndex",
]

MAX_PREFIX_TERMS = 12
"""A prefix expands to its most frequent completions: enough for `interpretab`, and a bound on
the work a short prefix can cause."""


@dataclass(frozen=True, slots=True)
class RankedIds:
    """Note keys of one page in rank order, their scores, and the total number of matches."""

    keys: tuple[str, ...]
    scores: tuple[int, ...]
    total: int


class ListDriver(enum.Enum):
    """What a filter-only query (newest first) reads first."""

    TAGS = "tags"
    """The first tag group's postings, which carry each note's day: the other filters are
    checked on them, and only the notes of the page's days are joined and sorted."""
    AUTHORS = "authors"
    """The author filters' postings: few notes, counted with the page."""
    DAYS = "days"
    """The day index, in page order: the page stops early and the total is a separate count."""


@dataclass(frozen=True, slots=True)
class ListPlan:
    """A filter-only query: the driver, and the filters left to check on its notes."""

    driver: ListDriver
    tags: tuple[str, ...]
    filters: SearchFilters

    @property
    def count_in_page(self) -> bool:
        """Notes read from postings are counted as the page is sorted; the day index is
        read in order, so only the page is read and the count is index-only."""
        return self.driver is not ListDriver.DAYS


def list_plan(filters: SearchFilters) -> ListPlan:
    """The first tag group drives when there is one, else the authors (their notes are few
    next to the corpus); date-only and empty filters read the day index."""
    if filters.tag_groups:
        rest = replace(filters, tag_groups=filters.tag_groups[1:])
        return ListPlan(ListDriver.TAGS, filters.tag_groups[0], rest)
    if filters.authors:
        return ListPlan(ListDriver.AUTHORS, (), filters)
    return ListPlan(ListDriver.DAYS, (), filters)


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


def contains(column: str, needle: str, dialect: str) -> str:
    """Substring test: `instr` on SQLite is many times faster than its Unicode-aware LIKE;
    `strpos` on PostgreSQL. Both compare code points exactly (the texts are folded already)."""
    function = "strpos" if dialect == "postgresql" else "instr"
    return f"{function}({column}, {needle}) > 0"


async def _whole_tags(connection: AsyncConnection, cut: list[str]) -> dict[str, int]:
    """The live notes' whole tags that `tag_term` cuts to one of `cut`, with their counts
    (`/paper tags`, the tag menu and autocomplete offer tags a filter then finds by)."""
    start = func.substr(NoteTagRow.tag, 1, MAX_TERM_CHARS - len(TAG_PREFIX))
    query = (
        select(NoteTagRow.tag, func.count())
        .join(NoteRow, NoteRow.id == NoteTagRow.note_id)
        .where(start.in_(cut), NoteRow.retracted.is_(False))
        .group_by(NoteTagRow.tag)
    )
    return {str(tag): int(count) for tag, count in (await connection.execute(query)).all()}


async def _prefixed_terms(connection: AsyncConnection, prefix: str) -> dict[str, int]:
    """The vocabulary's terms of one kind (`#` tags, `@` author words) that live notes have,
    without the mark, with their notes (retracted notes have no postings)."""
    query = select(SearchTermRow.term, SearchTermRow.df).where(
        SearchTermRow.term > prefix, SearchTermRow.term < upper(prefix), SearchTermRow.df > 0
    )
    rows = (await connection.execute(query)).all()
    return {str(term)[len(prefix) :]: int(df) for term, df in rows}


class SqlSearchIndex:
    """Reads the index tables; writes happen at ingest (`bot.search.indexer`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[IndexReader]:
        """One connection for a command's reads: the generation check and the search share it
        (a checkout and its reset each cost a round trip to the driver's thread on SQLite)."""
        async with self._engine.connect() as connection:
            yield IndexReader(connection)

    async def generation(self) -> int:
        """The index's generation: it moves with every write to the notes or the index."""
        async with self.reader() as reader:
            return await reader.generation()

    async def plan(self, concepts: Sequence[Concept]) -> RankPlan:
        """The read plan of the concepts, from the vocabulary as it is now."""
        async with self._engine.connect() as connection:
            return await _plan(connection, concepts)

    async def search(
        self, concepts: Sequence[Concept], filters: SearchFilters, *, limit: int, offset: int
    ) -> RankedIds:
        """One page of note keys (`IndexReader.search`) on a connection of its own."""
        async with self.reader() as reader:
            return await reader.search(concepts, filters, limit=limit, offset=offset)

    async def tag_counts(self) -> dict[str, int]:
        """Every tag of a live note with how many live notes carry it: the vocabulary's
        document frequencies of tag terms (retracted notes have no postings)."""
        async with self._engine.connect() as connection:
            counts = await _prefixed_terms(connection, TAG_PREFIX)
            cut = [tag for tag in counts if _shared_term(tag)]
            if cut:  # the index holds these cut: name them as the notes do
                kept = {tag: count for tag, count in counts.items() if tag not in cut}
                counts = kept | await _whole_tags(connection, cut)
        return counts

    async def required_postings(self, filters: SearchFilters) -> list[int]:
        """The postings of each group the filters require (`filter_reads`: a tag group, a
        word of an author's name), from the vocabulary alone; a group of none is held by no
        live note, so the filters find nothing."""
        async with self._engine.connect() as connection:
            found, _ = await _filter_groups(connection, filter_reads(filters))
        return [group.postings for group in found.values()]

    async def author_parts(self) -> dict[str, int]:
        """Every word of a live note's author names (as `author:` matches them, folded) with
        how many live notes have it: the vocabulary's `@` terms, one range of its key."""
        async with self._engine.connect() as connection:
            return await _prefixed_terms(connection, AUTHOR_PREFIX)

    async def author_lists(self, parts: Sequence[str]) -> list[list[str]]:
        """The authors, as written, of each live note with one of `parts` (whole words of
        their names, `author_parts`): their postings, then the notes by primary key."""
        if not parts:
            return []
        docs = select(SearchDocRow.note_id).join(
            SearchPostingRow, SearchPostingRow.doc == SearchDocRow.doc
        )
        having = docs.where(SearchPostingRow.term.in_([author_term(p) for p in parts]))
        query = select(NoteRow.authors).where(NoteRow.id.in_(having), NoteRow.retracted.is_(False))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).scalars().all()
        return [[str(name) for name in names] for names in rows]

    async def notes_with_any_tag(self, tag_sets: Sequence[Sequence[str]]) -> list[int]:
        """For each set of tags, how many live notes carry at least one of them (retracted
        notes have no postings). The postings of the tags' terms are counted; where a tag's
        term is shared (`_shared_term`), the notes' stored tags decide (`_group_sql`), so a
        long tag's notes are not counted under another that starts with the same 63."""
        counts = []
        async with self._engine.connect() as connection:
            for tags in tag_sets:
                if not tags:
                    counts.append(0)
                    continue
                params = Params(connection.dialect.name)
                listed = ", ".join(params.bind(tag_term(t)) for t in tags)
                where = f"f.term IN ({listed})"
                if any(map(_shared_term, tags)):
                    where += f" AND {_group_sql(tags, params, 'f')}"
                sql = f"SELECT COUNT(DISTINCT f.doc) FROM search_postings AS f WHERE {where}"
                counts.append(int(await connection.scalar(text(sql), params.values) or 0))
        return counts


class IndexReader:
    """The index's reads on one open connection."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @property
    def connection(self) -> AsyncConnection:
        """The open connection the reads share (the page's notes are read on it too)."""
        return self._connection

    async def generation(self) -> int:
        """The index's generation: it moves with every write to the notes or the index."""
        query = select(SearchGenerationRow.value).where(SearchGenerationRow.id == GENERATION_ROW)
        return int(await self._connection.scalar(query) or 0)

    async def search(
        self, concepts: Sequence[Concept], filters: SearchFilters, *, limit: int, offset: int
    ) -> RankedIds:
        """One page of note keys: ranked when there are concepts, else newest first.

        Required filters are looked up in the vocabulary first (`bot.search.filter_plan`): a
        group no note holds answers at once, and a small intersection is found before ranking.
        """
        connection = self._connection
        ranking = await _plan(connection, concepts) if concepts else None
        docs: tuple[int, ...] | None = None
        if worth_planning(filters):
            found, total_docs = await _filter_groups(connection, filter_reads(filters))
            driving = ranking.passes[0].driver_postings if ranking and ranking.passes else None
            plan = filter_plan(filters, found, total_docs, driving)
            if plan is not None and plan.empty:
                return RankedIds((), (), 0)
            if plan is not None and plan.first:
                docs = await _filtered_docs(connection, plan)
                if docs == ():
                    return RankedIds((), (), 0)
        if ranking is None:
            return await _newest_first(connection, list_plan(filters), limit, offset, docs)
        found_ids = RankedIds((), (), 0)
        # Notes with every concept first; when none has them all, notes with any.
        for ranking_pass in ranking.passes:
            found_ids = await _ranked_page(connection, ranking_pass, filters, limit, offset, docs)
            if found_ids.total:
                break
        return found_ids


async def _plan(connection: AsyncConnection, concepts: Sequence[Concept]) -> RankPlan:
    vocabulary, total_docs = await _vocabulary(connection, concepts)
    return rank_plan(concepts, vocabulary, total_docs)


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
    terms = SearchTermRow.__table__
    parts: list[Select[Any]] = [
        select(literal_column("-1").label("k"), terms.c.term, terms.c.df).where(
            terms.c.term.in_([DOC_COUNT_TERM, *(s.term for s in slots)])
        )
    ]
    prefixed = [s for s in slots if s.prefix]
    for k, slot in enumerate(prefixed):
        completions = (
            select(literal_column(str(k)).label("k"), terms.c.term, terms.c.df)
            .where(terms.c.term > slot.term, terms.c.term < upper(slot.term), terms.c.df > 0)
            .order_by(terms.c.df.desc(), terms.c.term)
            .limit(MAX_PREFIX_TERMS)
            .subquery(f"v{k}")
        )
        parts.append(select(completions.c.k, completions.c.term, completions.c.df))
    rows = (await connection.execute(union_all(*parts))).all()
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


# --- SQL of a ranking, node by node ---------------------------------------------------------


def _term_sql(term: str, multiplier: int, params: Params, restrict: str) -> str:
    weight = "0" if multiplier == 0 else f"weight * {multiplier}"
    return (
        f"SELECT doc, day, {weight} AS w FROM search_postings "
        f"WHERE term = {params.bind(term)}{restrict}"
    )


def _slot_sql(slot: SlotRead, params: Params, restrict: str) -> str:
    """(doc, day, w) of one slot: its best-scoring term per note."""
    selects = [_term_sql(t.term, t.multiplier, params, restrict) for t in slot.terms]
    if slot.single:
        return selects[0]
    union = " UNION ALL ".join(selects)
    return f"SELECT doc, MAX(day) AS day, MAX(w) AS w FROM ({union}) AS s GROUP BY doc"


def _alternative_sql(alternative: AlternativeRead, params: Params, restrict: str) -> str:
    """The driver's notes that also hold every joined slot (and the phrase, if any)."""
    driver = _slot_sql(alternative.driver, params, restrict)
    if not alternative.joined and alternative.phrase is None:
        return driver
    joins, scores, where = [], ["s0.w"], []
    for i, slot in enumerate(alternative.joined, start=1):
        if slot.single:
            only = slot.terms[0]
            joins.append(f"CROSS JOIN search_postings AS s{i}")
            where.append(f"s{i}.term = {params.bind(only.term)} AND s{i}.doc = s0.doc")
            scores.append(f"s{i}.weight * {only.multiplier}")
        else:
            joins.append(f"CROSS JOIN ({_slot_sql(slot, params, '')}) AS s{i}")
            where.append(f"s{i}.doc = s0.doc")
            scores.append(f"s{i}.w")
    if alternative.phrase is not None:
        joins.append("CROSS JOIN search_texts AS st")
        found = contains("st.text", params.bind(f" {alternative.phrase}"), params.dialect)
        where.append(f"st.doc = s0.doc AND {found}")
    return (
        f"SELECT s0.doc AS doc, s0.day AS day, {' + '.join(scores)} AS w FROM ({driver}) AS s0 "
        f"{' '.join(joins)} WHERE {' AND '.join(where)}"
    )


def _union(parts: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT doc, day, w FROM ({p}) AS u{i}" for i, p in enumerate(parts))


def _concept_sql(concept: ConceptRead, params: Params, restrict: str = "") -> str:
    """A note's best alternative."""
    parts = [_alternative_sql(a, params, restrict) for a in concept.alternatives]
    if len(parts) == 1:
        return parts[0]
    return f"SELECT doc, MAX(day) AS day, MAX(w) AS w FROM ({_union(parts)}) AS c GROUP BY doc"


def _pass_sql(ranking: RankPass, params: Params, restrict: str = "") -> str:
    """(doc, day, score) of every note the pass ranks; `restrict` narrows the posting lists
    that drive (to the notes a filter allows: whole notes go, no score changes)."""
    concepts = ranking.concepts
    if ranking.combine is Combine.SINGLE:
        concept = _concept_sql(concepts[0], params, restrict)
        return f"SELECT doc, day, w AS score FROM ({concept}) AS q"
    if ranking.combine is Combine.ALL_JOINED:
        # One row per note from each concept but the first: primary-key lookups for the
        # rarest concept's notes. The same rows and scores as the grouped form.
        parts = [_concept_sql(concepts[0], params, restrict)]
        parts += [_concept_sql(c, params) for c in concepts[1:]]
        joins = " ".join(f"CROSS JOIN ({p}) AS c{i}" for i, p in enumerate(parts[1:], start=1))
        where = " AND ".join(f"c{i}.doc = c0.doc" for i in range(1, len(parts)))
        score = " + ".join(f"c{i}.w" for i in range(len(parts)))
        return (
            f"SELECT c0.doc AS doc, c0.day AS day, ({score}) * {len(parts)} AS score "
            f"FROM ({parts[0]}) AS c0 {joins} WHERE {where}"
        )
    # Coordination: a note matching more of the query's concepts multiplies its sum.
    if ranking.combine is Combine.ANY:
        union = _union([_concept_sql(c, params, restrict) for c in concepts])
        return (
            f"SELECT doc, MAX(day) AS day, SUM(w) * COUNT(*) AS score FROM ({union}) AS q "
            "GROUP BY doc"
        )
    # ALL_GROUPED: the rarest concept is computed once (d0); the others read its notes only.
    driver = _concept_sql(concepts[0], params, restrict)
    others = [_concept_sql(c, params, " AND doc IN (SELECT doc FROM d0)") for c in concepts[1:]]
    union = _union(["SELECT doc, day, w FROM d0", *others])
    return (
        f"WITH d0 AS MATERIALIZED ({driver}) "
        f"SELECT doc, MAX(day) AS day, SUM(w) * COUNT(*) AS score FROM ({union}) AS q "
        f"GROUP BY doc HAVING COUNT(*) = {len(concepts)}"
    )


# --- pages ----------------------------------------------------------------------------------


_PAGE = (
    "SELECT d.note_id, t.score, 0 FROM (SELECT r.doc, r.day, r.score {source} "
    "ORDER BY r.score DESC, r.day DESC, r.doc LIMIT :limit OFFSET :offset) AS t "
    "JOIN search_docs AS d ON d.doc = t.doc ORDER BY t.score DESC, t.day DESC, t.doc"
)

# The ranked notes are kept once and read twice: the page's top-N sort and the count. A
# `COUNT(*) OVER ()` instead buffers every ranked row in the window's own store on top of the
# grouping's (on SQLite about a fifth of the any-concept pass over 16,000 postings).
_COUNTED_PAGE = (
    "WITH ranked AS MATERIALIZED (SELECT r.doc, r.day, r.score {source}) "
    "SELECT d.note_id, t.score, (SELECT COUNT(*) FROM ranked) FROM (SELECT doc, day, score "
    "FROM ranked ORDER BY score DESC, day DESC, doc LIMIT :limit OFFSET :offset) AS t "
    "JOIN search_docs AS d ON d.doc = t.doc ORDER BY t.score DESC, t.day DESC, t.doc"
)


async def _ranked_page(
    connection: AsyncConnection,
    ranking: RankPass,
    filters: SearchFilters,
    limit: int,
    offset: int,
    docs: tuple[int, ...] | None = None,
) -> RankedIds:
    """One pass's page and total; with `docs` (the notes the filters allow, found first),
    only those are read and no filter is checked again."""
    params = Params(connection.dialect.name)
    if docs is not None:
        ranked = _pass_sql(ranking, params, f" AND {_in_docs(docs, params, 'doc')}")
        where = "1 = 1"
    else:
        ranked = _pass_sql(ranking, params, _restrict_sql(filters, params))
        where = " AND ".join(_filter_sql(filters, params, "r", lambda d: d.toordinal()))
    source = f"FROM ({ranked}) AS r WHERE {where}"
    params.values.update(limit=limit, offset=offset)
    if ranking.count_in_page:
        page = _COUNTED_PAGE.format(source=source)
        return await _windowed(connection, page, params, offset, scored=True)
    # A single posting-list read: counting is a cheap second pass, the page a top-N sort.
    # Unfiltered, its notes are exactly the term's postings: the vocabulary has the count.
    if docs is None and filters == SearchFilters():
        total = ranking.concepts[0].alternatives[0].driver.terms[0].df
    else:
        counted = await connection.scalar(text(f"SELECT COUNT(*) {source}"), params.values)
        total = int(counted or 0)
    if total <= offset:
        return RankedIds((), (), total)
    page = _PAGE.format(source=source)
    rows = (await connection.execute(text(page), params.values)).all()
    return RankedIds(tuple(r[0] for r in rows), tuple(int(r[1]) for r in rows), total)


async def _windowed(
    connection: AsyncConnection, sql: str, params: Params, offset: int, *, scored: bool
) -> RankedIds:
    """A page whose last column is the total; past the end, one row is read for the total."""
    rows = (await connection.execute(text(sql), params.values)).all()
    if not rows and offset > 0:
        params.values.update(limit=1, offset=0)
        probe = (await connection.execute(text(sql), params.values)).all()
        return RankedIds((), (), int(probe[0][-1]) if probe else 0)
    total = int(rows[0][-1]) if rows else 0
    scores = tuple(int(r[1]) if scored else 0 for r in rows)
    return RankedIds(tuple(r[0] for r in rows), scores, total)


async def _newest_first(
    connection: AsyncConnection,
    plan: ListPlan,
    limit: int,
    offset: int,
    docs: tuple[int, ...] | None = None,
) -> RankedIds:
    """Filter-only queries: newest day first, then file order. With `docs` (found first,
    every filter met) the total is their number and the page is read from them."""
    params = Params(connection.dialect.name)
    order = "ORDER BY d.day DESC, d.position, d.doc LIMIT :limit OFFSET :offset"
    if docs is not None:
        if len(docs) <= offset:
            return RankedIds((), (), len(docs))
        listed = _in_docs(docs, params, "d.doc")
        params.values.update(limit=limit, offset=offset)
        sql = f"SELECT d.note_id FROM search_docs AS d WHERE {listed} {order}"
        rows = (await connection.execute(text(sql), params.values)).all()
        return RankedIds(tuple(r[0] for r in rows), tuple(0 for _ in rows), len(docs))
    if plan.driver is ListDriver.TAGS:
        sql = _tag_list_sql(plan, params, limit, offset)
        return await _windowed(connection, sql, params, offset, scored=False)
    source = "search_docs AS d"
    where = " AND ".join(
        [f"d.retracted = {params.bind(False)}", *_filter_sql(plan.filters, params, "d", _same)]
    )
    params.values.update(limit=limit, offset=offset)
    if plan.count_in_page:
        sql = f"SELECT d.note_id, COUNT(*) OVER () AS total FROM {source} WHERE {where} {order}"
        return await _windowed(connection, sql, params, offset, scored=False)
    # The day index gives the page in order and stops after it; the count is a range scan.
    counted = f"SELECT COUNT(*) FROM {source} WHERE {where}"
    total = int(await connection.scalar(text(counted), params.values) or 0)
    if total <= offset:
        return RankedIds((), (), total)
    rows = (
        await connection.execute(
            text(f"SELECT d.note_id FROM {source} WHERE {where} {order}"), params.values
        )
    ).all()
    return RankedIds(tuple(r[0] for r in rows), tuple(0 for _ in rows), total)


def _tag_list_sql(plan: ListPlan, params: Params, limit: int, offset: int) -> str:
    """A tag's notes newest first, the total as the last column.

    The tag's postings carry each note's day, so the dates and the other filters are checked
    on them (`f`); the day of the page's last note (`b`) bounds what is joined to
    `search_docs` for the order within a day. Sorting every note of a common tag by day and
    position (4,500 of 50,000) cost 28 ms on SQLite; this reads only the page's days.
    Retracted notes have no postings, so `f` counts live notes only.
    """
    filters = plan.filters
    listed = ", ".join(params.bind(tag_term(t)) for t in plan.tags)
    days = ""
    if filters.since is not None:
        days += f" AND day >= {params.bind(filters.since.toordinal())}"
    if filters.until is not None:
        days += f" AND day <= {params.bind(filters.until.toordinal())}"
    rest = replace(filters, since=None, until=None)
    exact = [_group_sql(plan.tags, params, "t")] if any(map(_shared_term, plan.tags)) else []
    checks = " AND ".join([*_filter_sql(rest, params, "t", lambda d: d.toordinal()), *exact])
    last = params.bind(offset + limit - 1)
    params.values.update(limit=limit, offset=offset)
    return (
        "WITH t AS MATERIALIZED (SELECT DISTINCT doc, day FROM search_postings "
        f"WHERE term IN ({listed}){days}), "
        f"f AS MATERIALIZED (SELECT doc, day FROM t WHERE {checks}), "
        "b AS MATERIALIZED (SELECT COALESCE((SELECT day FROM f ORDER BY day DESC "
        f"LIMIT 1 OFFSET {last}), 0) AS day, (SELECT COUNT(*) FROM f) AS total) "
        "SELECT d.note_id, b.total FROM b CROSS JOIN f CROSS JOIN search_docs AS d "
        f"WHERE f.day >= b.day AND d.doc = f.doc AND d.retracted = {params.bind(False)} "
        "ORDER BY d.day DESC, d.position, d.doc LIMIT :limit OFFSET :offset"
    )


def _restrict_sql(filters: SearchFilters, params: Params) -> str:
    """What the driving posting reads can check themselves: the note's day (postings carry
    it) and the first tag group, so a filtered query reads only the notes it may return."""
    where = ""
    if filters.tag_groups:
        listed = ", ".join(params.bind(tag_term(t)) for t in filters.tag_groups[0])
        where += f" AND doc IN (SELECT doc FROM search_postings WHERE term IN ({listed}))"
    if filters.since is not None:
        where += f" AND day >= {params.bind(filters.since.toordinal())}"
    if filters.until is not None:
        where += f" AND day <= {params.bind(filters.until.toordinal())}"
    return where


def _same(day: date) -> object:
    return day


def _filter_sql(
    filters: SearchFilters, params: Params, alias: str, day: Callable[[date], object]
) -> list[str]:
    """Conditions on `alias`.doc and `alias`.day (`day` turns a date into that column's value)."""
    where = ["1 = 1"]
    for group in filters.tag_groups:
        where.append(_group_sql(group, params, alias))
    if filters.excluded_tags:
        where.extend(_excluded_sql(filters.excluded_tags, params, alias))
    for author in filters.authors:
        where.extend(_author_sql(author, params, alias))
    if filters.since is not None:
        where.append(f"{alias}.day >= {params.bind(day(filters.since))}")
    if filters.until is not None:
        where.append(f"{alias}.day <= {params.bind(day(filters.until))}")
    return where


def _shared_term(tag: str) -> bool:
    """Whether the tag's index term may stand for other tags too: a term holds 64 characters,
    so every tag of 63 or more that starts alike has this one (`tag_term` cuts them)."""
    return len(tag_term(tag)) == MAX_TERM_CHARS


def _whole_tags_sql(tags: Sequence[str], params: Params) -> str:
    """The notes (docs) that carry one of `tags` whole, by their stored tags (`note_tags`,
    indexed by tag): for tags whose term is shared, where postings would find their namesakes."""
    listed = ", ".join(params.bind(t) for t in tags)
    return (
        "SELECT wd.doc FROM note_tags AS wt JOIN search_docs AS wd ON wd.note_id = wt.note_id "
        f"WHERE wt.tag IN ({listed})"
    )


def _group_sql(group: Sequence[str], params: Params, alias: str) -> str:
    """`alias`.doc carries one of the group's tags: by postings, but a tag whose term is shared
    (`_shared_term`) by the notes' stored tags, so it does not find a longer namesake."""
    terms = [tag_term(t) for t in group if not _shared_term(t)]
    shared = [t for t in group if _shared_term(t)]
    found = []
    if terms or not shared:
        listed = ", ".join(params.bind(t) for t in terms)
        found.append(f"{alias}.doc IN (SELECT doc FROM search_postings WHERE term IN ({listed}))")
    if shared:
        found.append(f"{alias}.doc IN ({_whole_tags_sql(shared, params)})")
    return found[0] if len(found) == 1 else f"({' OR '.join(found)})"


def _excluded_sql(
    tags: Sequence[str], params: Params, alias: str, *, correlated: bool = False
) -> list[str]:
    """Same rows either way (doc is never NULL): SQLite hashes a NOT IN set once, while
    PostgreSQL only plans NOT EXISTS as an anti-join (`correlated`: NOT EXISTS on both, for a
    small set of found notes each checked once). A tag whose term is shared is checked against
    the notes' stored tags (`_group_sql`), so its namesakes are not excluded."""
    where = []
    if terms := [tag_term(t) for t in tags if not _shared_term(t)]:
        listed = ", ".join(params.bind(t) for t in terms)
        if correlated or params.dialect == "postgresql":
            where.append(
                f"NOT EXISTS (SELECT 1 FROM search_postings AS x WHERE x.doc = {alias}.doc "
                f"AND x.term IN ({listed}))"
            )
        else:
            where.append(
                f"{alias}.doc NOT IN (SELECT doc FROM search_postings WHERE term IN ({listed}))"
            )
    if shared := [t for t in tags if _shared_term(t)]:
        where.append(f"{alias}.doc NOT IN ({_whole_tags_sql(shared, params)})")
    return where


def _author_part(part: str, params: Params) -> str:
    """A name part of three or more characters is a prefix (`author:aro` finds Arora); a
    shorter one matches whole (`author:li`), as `author:a` would read nearly every note."""
    if len(part) < MIN_PREFIX_CHARS:
        return f"term = {params.bind(author_term(part))}"
    low, high = params.bind(author_term(part)), params.bind(upper(author_term(part)))
    return f"term >= {low} AND term < {high}"


def _author_sql(author: str, params: Params, alias: str) -> list[str]:
    """Any part of a name, by prefix; several words must also appear together in one name."""
    parts = normalize_phrase(author).split()
    if not parts:
        return ["1 = 0"]
    where = [
        f"{alias}.doc IN (SELECT doc FROM search_postings WHERE {_author_part(p, params)})"
        for p in parts
    ]
    return where + _name_sql(author, params, alias)


def _name_sql(author: str, params: Params, alias: str) -> list[str]:
    """The words of a name of several words, together in one of the note's author names."""
    name = normalize_phrase(author)
    if len(name.split()) < 2:
        return []
    found = contains("y.authors_text", params.bind(name), params.dialect)
    return [f"EXISTS (SELECT 1 FROM search_texts AS y WHERE y.doc = {alias}.doc AND {found})"]


# --- filters found first --------------------------------------------------------------------


def _in_docs(docs: Sequence[int], params: Params, column: str) -> str:
    """`column` is one of `docs`, as one bound value: an array on PostgreSQL, a JSON list
    SQLite reads with `json_each`."""
    if params.dialect == "postgresql":
        return f"{column} = ANY({params.bind(list(docs))})"
    return f"{column} IN (SELECT value FROM json_each({params.bind(json.dumps(list(docs)))}))"


async def _filter_groups(
    connection: AsyncConnection, reads: Sequence[FilterRead]
) -> tuple[dict[FilterRead, FilterGroup], int]:
    """What each required read costs, prefixes expanded to their names when few, and the
    number of notes; one round trip."""
    terms = SearchTermRow.__table__
    exact = [t for r in reads for t in r.terms]
    parts: list[Select[Any]] = [
        select(literal_column("-1").label("k"), terms.c.term, terms.c.df).where(
            terms.c.term.in_([DOC_COUNT_TERM, *exact])
        )
    ]
    prefixes = list(dict.fromkeys(r.prefix for r in reads if r.prefix is not None))
    for k, prefix in enumerate(prefixes):
        inside = (terms.c.term >= prefix, terms.c.term < upper(prefix), terms.c.df > 0)
        first_names = (
            select(literal_column(str(k)).label("k"), terms.c.term, terms.c.df)
            .where(*inside)
            .order_by(terms.c.term)
            .limit(MAX_NAME_TERMS + 1)
            .subquery(f"n{k}")
        )
        parts.append(select(first_names.c.k, first_names.c.term, first_names.c.df))
        every: Any = select(
            literal_column(str(k)).label("k"),
            null().label("term"),
            func.sum(terms.c.df).label("df"),
        )
        parts.append(every.where(*inside))
    rows = (await connection.execute(union_all(*parts))).all()
    df = {str(term): int(count) for k, term, count in rows if k == -1}
    completions: dict[int, list[str]] = {}
    summed: dict[int, int] = {}
    for k, term, count in rows:
        if k >= 0 and term is None:
            summed[int(k)] = int(count or 0)
        elif k >= 0:
            completions.setdefault(int(k), []).append(str(term))
    found: dict[FilterRead, FilterGroup] = {}
    for read in reads:
        if read.prefix is None:
            found[read] = FilterGroup(read, sum(df.get(t, 0) for t in read.terms))
            continue
        k = prefixes.index(read.prefix)
        names = tuple(sorted(completions.get(k, [])))
        expanded = FilterRead(names, read.prefix) if len(names) <= MAX_NAME_TERMS else read
        found[read] = FilterGroup(expanded, summed.get(k, 0))
    return found, df.get(DOC_COUNT_TERM, 0)


def _read_sql(read: FilterRead, params: Params, column: str) -> str:
    if read.is_range and read.prefix is not None:
        low, high = params.bind(read.prefix), params.bind(upper(read.prefix))
        return f"{column} >= {low} AND {column} < {high}"
    return f"{column} IN ({', '.join(params.bind(t) for t in read.terms)})"


async def _filtered_docs(connection: AsyncConnection, plan: FilterPlan) -> tuple[int, ...] | None:
    """The notes every filter allows, driven by the rarest group's postings (which carry the
    day); None when they are more than `MAX_FILTERED_DOCS` (the statement stops there)."""
    params = Params(connection.dialect.name)
    filters = plan.filters
    driver, *others = plan.groups
    where = [_read_sql(driver.read, params, "f.term")]
    if filters.since is not None:
        where.append(f"f.day >= {params.bind(filters.since.toordinal())}")
    if filters.until is not None:
        where.append(f"f.day <= {params.bind(filters.until.toordinal())}")
    # The rarest group drives; each other is probed by primary key for its notes (a range of
    # names, too many to list, is read once instead). Without the probes SQLite reads every
    # group's whole list first (27 ms instead of 2 for the query with every filter kind).
    for group in others:
        if group.read.is_range:
            found = _read_sql(group.read, params, "term")
            where.append(f"f.doc IN (SELECT doc FROM search_postings WHERE {found})")
        else:
            found = _read_sql(group.read, params, "g.term")
            where.append(
                f"EXISTS (SELECT 1 FROM search_postings AS g WHERE {found} AND g.doc = f.doc)"
            )
    # A group with a shared term was read as the term: its notes are checked by their tags.
    where += [_group_sql(g, params, "f") for g in filters.tag_groups if any(map(_shared_term, g))]
    where += _excluded_sql(filters.excluded_tags, params, "f", correlated=True)
    for author in filters.authors:
        where.extend(_name_sql(author, params, "f"))
    sql = (
        f"SELECT DISTINCT f.doc FROM search_postings AS f WHERE {' AND '.join(where)} "
        f"LIMIT {MAX_FILTERED_DOCS + 1}"
    )
    docs = sorted(int(r[0]) for r in (await connection.execute(text(sql), params.values)).all())
    return tuple(docs) if len(docs) <= MAX_FILTERED_DOCS else None
