"""Cached search pages: a repeat costs one read, and any write to the notes, by this process or
another, is seen by the next search (both engines)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

from bot.app import App, open_app
from bot.models import Note, NoteSource
from bot.search.cache import GenerationCache
from bot.search.query import parse_query
from bot.search.service import SearchService
from tests.support.clock import FixedClock
from tests.support.search import keys_for, search_service
from tests.support.sql_events import statements


def _note(key: str, title: str, body: str, position: int = 0) -> Note:
    return Note(
        key=key,
        day=date(2024, 5, 1),
        title=title,
        commentary=body,
        tags=("rlhf",),
        source=NoteSource("f.txt", position + 1),
        position=position,
    )


async def _ingest(app: App, clock: FixedClock, notes: list[Note], name: str = "f.txt") -> None:
    clock.advance(timedelta(minutes=1))
    await app.notes.replace_file(
        name,
        date(2024, 5, 1),
        notes,
        file_hash="|".join(n.key + n.title + n.commentary for n in notes),
        parser_version=1,
        now=clock.now(),
    )


def test_a_new_generation_forgets_every_page_and_the_oldest_go_first() -> None:
    cache: GenerationCache[str] = GenerationCache(size=2)
    assert cache.get(1, "a") is None
    cache.put(1, "a", "A")
    cache.put(1, "b", "B")
    assert cache.get(1, "a") == "A"
    cache.put(1, "c", "C")  # "b" was used least recently
    assert cache.get(1, "b") is None and cache.get(1, "c") == "C"
    assert cache.get(2, "a") is None  # the index moved on
    cache.put(1, "a", "stale")  # read before the move: not kept
    assert cache.get(2, "a") is None


async def test_a_repeated_search_reads_only_the_generation(seeded: SearchService, app: App) -> None:
    first = await seeded.search(parse_query("rlhf tag:alignment"))
    with statements(app.engine) as seen:
        again = await seeded.search(parse_query("rlhf tag:alignment"))
    assert again == first and first.total > 0
    assert len(seen) == 1 and "search_generation" in seen[0]
    uncached = SearchService(seeded._notes, seeded._index, seeded._glossary, cache_size=0)
    assert await uncached.search(parse_query("rlhf tag:alignment")) == first


async def test_every_ingest_that_changes_notes_is_seen(app: App, clock: FixedClock) -> None:
    service = search_service(app)
    a, b = _note("k-a", "Alpha paper", "가중치 평균 실험"), _note("k-b", "Beta", "평균 편향", 1)
    await _ingest(app, clock, [a, b])
    assert await keys_for(service, "평균") == ["k-a", "k-b"]
    assert await keys_for(service, "평균") == ["k-a", "k-b"]  # cached
    await _ingest(app, clock, [replace(a, title="Alpha, retitled"), b])  # content only
    page = await service.search(parse_query("평균"))
    assert [h.note.title for h in page.hits] == ["Alpha, retitled", "Beta"]
    await _ingest(app, clock, [a])  # k-b retracted
    assert await keys_for(service, "평균") == ["k-a"]
    assert await keys_for(service, "tag:rlhf") == ["k-a"]
    await _ingest(app, clock, [_note("k-c", "Gamma", "평균")], "g.txt")  # a new file
    assert await keys_for(service, "tag:rlhf") == ["k-a", "k-c"]


async def test_a_write_by_another_process_is_seen(
    app: App, clock: FixedClock, database_url: str
) -> None:
    service = search_service(app)
    await _ingest(app, clock, [_note("k-a", "Alpha", "평균")])
    assert await keys_for(service, "평균") == ["k-a"]
    async with open_app(database_url, clock=clock) as other:  # its own engine and pool
        await _ingest(
            other, clock, [_note("k-a", "Alpha", "평균"), _note("k-b", "Beta", "평균", 1)]
        )
    assert await keys_for(service, "평균") == ["k-a", "k-b"]


async def test_concurrent_ingests_each_move_the_generation(
    app: App, clock: FixedClock, database_url: str
) -> None:
    index = search_service(app)._index
    before = await index.generation()
    async with open_app(database_url, clock=clock) as other:
        await asyncio.gather(
            _ingest(app, clock, [_note("k-a", "Alpha", "평균")], "a.txt"),
            _ingest(other, clock, [_note("k-b", "Beta", "평균")], "b.txt"),
        )
    assert await index.generation() >= before + 2
    assert set(await keys_for(search_service(app), "평균")) == {"k-a", "k-b"}


async def test_the_warm_up_reads_what_searches_read_and_keeps_no_page(
    seeded: SearchService, app: App
) -> None:
    with statements(app.engine) as seen:
        await seeded.warm_up()
    read = " ".join(seen)
    for table in ("search_generation", "search_terms", "search_docs", "FROM notes"):
        assert table in read
    assert seeded.cache.hits == seeded.cache.misses == 0
    with statements(app.engine) as seen:
        await seeded.search(parse_query(""))  # the newest-first list the warm-up read
    assert seeded.cache.misses == 1 and any("FROM notes" in s for s in seen)
