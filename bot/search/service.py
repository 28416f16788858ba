"""SearchService: runs a `Query` and returns a `SearchPage`; ranking policy lives here and in
the planner, not in SQL strings spread across modules.

Pages are cached per index generation (`bot.search.cache`): a repeated search, or a button
turning back to a page already shown, costs one primary-key read while nothing was written.
"""

from __future__ import annotations

from bot.models import Note
from bot.search.cache import RESULT_CACHE_SIZE, GenerationCache
from bot.search.glossary import Glossary
from bot.search.index_sql import IndexReader, RankedIds, SqlSearchIndex
from bot.search.models import (
    PAGE_SIZE,
    MissingAuthor,
    MissingTag,
    SearchFilters,
    SearchHit,
    SearchPage,
    TagCount,
)
from bot.search.near_authors import NEAREST_AUTHORS, near_parts, nearest_authors
from bot.search.near_tags import NEAREST_TAGS, nearest_tags
from bot.search.plan import Concept, plan_concepts
from bot.search.query import Query, parse_query
from bot.search.ranking import RankPlan
from bot.search.text import normalize_phrase
from bot.store.notes import SqlNoteStore

__all__ = ["WARM_UP_QUERIES", "SearchService"]

WARM_UP_QUERIES = ("paper", "")
"""What `SearchService.warm_up` reads: one ranked word and the newest-first list."""


class SearchService:
    """Search, single entries and tag counts over the stored notes."""

    def __init__(
        self,
        notes: SqlNoteStore,
        index: SqlSearchIndex,
        glossary: Glossary,
        *,
        cache_size: int = RESULT_CACHE_SIZE,
    ) -> None:
        self._notes = notes
        self._index = index
        self._glossary = glossary
        self.cache: GenerationCache[SearchPage] = GenerationCache(cache_size)

    async def search(self, query: Query, *, page_size: int = PAGE_SIZE) -> SearchPage:
        """The query's page: ranked when it has words, else newest first. Retracted notes never.

        Answered from the cache when the index has not changed since the page was read.
        """
        async with self._index.reader() as reader:
            generation = await reader.generation() if self.cache.enabled else 0
            key = (query, page_size)
            if (found := self.cache.get(generation, key)) is not None:
                return found
            concepts = plan_concepts(query, self._glossary)
            notes, ranked = await self._read(reader, query, concepts, page_size)
        hits = tuple(SearchHit(n, s) for n, s in zip(notes, ranked.scores, strict=True))
        ranked_by = bool(concepts) or query.has_terms  # words the index lacks: ranked, empty
        page = SearchPage(query, hits, ranked.total, page_size, ranked=ranked_by)
        self.cache.put(generation, key, page)
        return page

    async def warm_up(self) -> None:
        """Read once what searches read, keeping nothing, before the first command comes.

        SQLAlchemy compiles each statement shape the first time it runs, and a new database
        connection reads the schema and the index pages a search needs: the first `/paper`
        after a start paid for both (about 40-60 ms more than a later cold query on 50,000
        notes). Runs the generation check, the vocabulary, a ranked and a newest-first page
        and their notes; the results cache is left as it was, so no reply changes.
        """
        async with self._index.reader() as reader:
            await reader.generation()
            for text in WARM_UP_QUERIES:
                query = parse_query(text)
                await self._read(reader, query, plan_concepts(query, self._glossary), PAGE_SIZE)

    async def _read(
        self, reader: IndexReader, query: Query, concepts: tuple[Concept, ...], page_size: int
    ) -> tuple[list[Note], RankedIds]:
        """The page's ranked ids and their notes, on the reader's connection: what a search
        reads, and so what the warm-up reads."""
        if query.has_terms and not concepts:
            return [], RankedIds((), (), 0)
        ranked = await reader.search(
            concepts, self.filters(query), limit=page_size, offset=(query.page - 1) * page_size
        )
        if not ranked.keys:
            return [], ranked
        return await self._notes.get(ranked.keys, connection=reader.connection), ranked

    async def plan(self, query: Query) -> RankPlan:
        """How the query's words would be read and ranked (what `search` runs)."""
        return await self._index.plan(plan_concepts(query, self._glossary))

    def filters(self, query: Query) -> SearchFilters:
        """The query's hard filters with tag aliases expanded through the glossary."""
        groups = (
            tuple(dict.fromkeys(a for t in group for a in self._glossary.tag_aliases(t)))
            for group in query.tag_groups
        )
        return SearchFilters(
            tag_groups=tuple(dict.fromkeys(groups)),
            excluded_tags=tuple(
                dict.fromkeys(a for t in query.excluded_tags for a in self._glossary.tag_aliases(t))
            ),
            authors=tuple(dict.fromkeys(query.authors)),
            since=query.since,
            until=query.until,
        )

    async def entry(self, note_id: str) -> Note | None:
        """One note by its id, retracted or not (the reply says which)."""
        found = await self._notes.get([note_id])
        return found[0] if found else None

    async def tags(self) -> list[TagCount]:
        """Tags of live notes, aliases merged under the first spelling; most used first.

        Counts come from the index's vocabulary; a tag with several spellings in use counts
        its notes once each, even a note that carries two of them.
        """
        spellings: dict[str, list[str]] = {}
        counts = await self._index.tag_counts()
        for tag in counts:
            spellings.setdefault(self._glossary.canonical_tag(tag), []).append(tag)
        merged = {tag: counts[found[0]] for tag, found in spellings.items() if len(found) == 1}
        shared = [(tag, found) for tag, found in spellings.items() if len(found) > 1]
        distinct = await self._index.notes_with_any_tag([found for _, found in shared])
        merged.update((tag, count) for (tag, _), count in zip(shared, distinct, strict=True))
        ordered = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
        return [TagCount(tag, count) for tag, count in ordered if count > 0]

    async def missing_tag(self, query: Query, *, limit: int = NEAREST_TAGS) -> MissingTag | None:
        """The first tag the query filters by that no live note has under any of its
        spellings (a group `tag:a,b` when none of its tags is had, named by its first), with
        the nearest tags notes have (`bot.search.near_tags`); None when there is no such tag.

        Reads the tag list (`tags`: the vocabulary's tag terms) only for a query with tags;
        excluded tags (`-tag:x`) never make a search find nothing, so they are not looked at,
        nor offered: `tag:rhlf -tag:rlhf` offered `tag:rlhf -tag:rlhf` would find nothing.
        """
        if not query.tag_groups:
            return None
        counts = await self.tags()
        had = {found.tag for found in counts}
        canonical = self._glossary.canonical_tag
        excluded = {canonical(tag) for tag in query.excluded_tags}
        offered = [t for t in counts if t.tag not in excluded]
        for group in query.tag_groups:
            if not any(canonical(tag) in had for tag in group):
                spellings = ((self._glossary.tag_aliases(t.tag), t.count) for t in offered)
                return MissingTag(group[0], tuple(nearest_tags(group[0], spellings, limit=limit)))
        return None

    async def missing_author(
        self, query: Query, *, limit: int = NEAREST_AUTHORS
    ) -> MissingAuthor | None:
        """The first `author:` filter of the query that on its own finds no live note (the
        search of that filter alone, as `search` runs it), with the authors notes have
        nearest to it (`bot.search.near_authors`); None when every one finds notes.

        Whether a filter finds notes is the vocabulary's to say when a word of it has no
        notes (none) or it is one word (some); a name of several words, each had, is
        searched alone (the words must be in one name). For such a filter only: the
        vocabulary's author words, then the names of the notes that have the words nearest
        the filter's (at most `MAX_NAME_NOTES` past the first).
        """
        for author in dict.fromkeys(query.authors):
            if await self._finds_notes(author):
                continue
            parts = near_parts(author, await self._index.author_parts())
            lists = await self._index.author_lists(parts)
            return MissingAuthor(author, tuple(nearest_authors(author, lists, parts, limit=limit)))
        return None

    async def _finds_notes(self, author: str) -> bool:
        """Whether `author:<author>` alone finds a live note (`missing_author`)."""
        postings = await self._index.required_postings(SearchFilters(authors=(author,)))
        if not all(postings):
            return False
        if len(normalize_phrase(author).split()) == 1:
            return True
        return bool((await self.search(Query(authors=(author,)), page_size=1)).total)
