"""SearchService: runs a `Query` and returns a `SearchPage`; ranking policy lives here and in
the planner, not in SQL strings spread across modules."""

from __future__ import annotations

from bot.models import Note
from bot.search.glossary import Glossary
from bot.search.models import PAGE_SIZE, SearchFilters, SearchHit, SearchPage, TagCount
from bot.search.plan import plan_concepts
from bot.search.query import Query
from bot.store.notes import SqlNoteStore
from bot.store.search_sql import SqlSearchIndex

__all__ = ["SearchService"]


class SearchService:
    """Search, single entries and tag counts over the stored notes."""

    def __init__(self, notes: SqlNoteStore, index: SqlSearchIndex, glossary: Glossary) -> None:
        self._notes = notes
        self._index = index
        self._glossary = glossary

    async def search(self, query: Query, *, page_size: int = PAGE_SIZE) -> SearchPage:
        """The query's page: ranked when it has words, else newest first. Retracted notes never."""
        concepts = plan_concepts(query, self._glossary)
        if query.has_terms and not concepts:
            return SearchPage(query, (), 0, page_size, ranked=True)
        ranked = await self._index.search(
            concepts,
            self.filters(query),
            limit=page_size,
            offset=(query.page - 1) * page_size,
        )
        notes = await self._notes.get(ranked.keys)
        hits = tuple(SearchHit(n, s) for n, s in zip(notes, ranked.scores, strict=True))
        return SearchPage(query, hits, ranked.total, page_size, ranked=bool(concepts))

    def filters(self, query: Query) -> SearchFilters:
        """The query's hard filters with tag aliases expanded through the glossary."""
        return SearchFilters(
            tag_groups=tuple(
                tuple(dict.fromkeys(a for t in group for a in self._glossary.tag_aliases(t)))
                for group in query.tag_groups
            ),
            excluded_tags=tuple(
                dict.fromkeys(a for t in query.excluded_tags for a in self._glossary.tag_aliases(t))
            ),
            authors=query.authors,
            since=query.since,
            until=query.until,
        )

    async def entry(self, note_id: str) -> Note | None:
        """One note by its id, retracted or not (the reply says which)."""
        found = await self._notes.get([note_id])
        return found[0] if found else None

    async def tags(self) -> list[TagCount]:
        """Tags of live notes, aliases merged under the first spelling; most used first."""
        merged: dict[str, int] = {}
        for tag, count in await self._index.tag_counts():
            canonical = self._glossary.canonical_tag(tag)
            merged[canonical] = merged.get(canonical, 0) + count
        ordered = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
        return [TagCount(tag, count) for tag, count in ordered]
