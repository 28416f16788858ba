"""`/paper tags` and filter-only queries read the index, not whole note rows (both engines)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.app import App
from bot.models import Note, NoteSource
from bot.search.index_sql import ListDriver, list_plan
from bot.search.query import parse_query
from bot.search.service import SearchService
from tests.support.clock import FixedClock
from tests.support.search import search_service


def _note(key: str, tags: tuple[str, ...], position: int) -> Note:
    return Note(
        key=key,
        day=date(2024, 5, 1),
        title=f"Note {key}",
        commentary="본문",
        tags=tags,
        source=NoteSource("f.txt", position + 1),
        position=position,
    )


async def _ingest(app: App, clock: FixedClock, notes: list[Note]) -> None:
    clock.advance(timedelta(minutes=1))
    await app.notes.replace_file(
        "f.txt",
        date(2024, 5, 1),
        notes,
        file_hash="|".join(n.key for n in notes),
        parser_version=1,
        now=clock.now(),
    )


async def test_a_note_with_two_spellings_of_a_tag_counts_once(app: App, clock: FixedClock) -> None:
    service = search_service(app)
    both = _note("k-both", ("rlhf", "선호최적화"), 0)  # two aliases of one tag
    other = _note("k-other", ("preference-optimization",), 1)
    plain = _note("k-plain", ("rlhf", "safety"), 2)
    await _ingest(app, clock, [both, other, plain])
    counts = {t.tag: t.count for t in await service.tags()}
    assert counts == {"rlhf": 3, "safety": 1}
    await _ingest(app, clock, [both, other])  # k-plain leaves the file: retracted
    assert [(t.tag, t.count) for t in await service.tags()] == [("rlhf", 2)]


async def test_tag_counts_are_the_live_notes_carrying_each_tag(seeded: SearchService) -> None:
    glossary = seeded._glossary
    expected: dict[str, set[str]] = {}
    async for note in seeded._notes.iter_notes(include_retracted=False):
        for tag in note.tags:
            expected.setdefault(glossary.canonical_tag(tag), set()).add(note.key)
    counts = {t.tag: t.count for t in await seeded.tags()}
    assert counts == {tag: len(keys) for tag, keys in expected.items()}


@pytest.mark.parametrize(
    ("text", "driver"),
    [
        ("since:2024-06", ListDriver.DAYS),
        ("until:2024-02-29", ListDriver.DAYS),
        ("author:arora", ListDriver.AUTHORS),
        ("", ListDriver.DAYS),
        ("tag:rlhf since:2024-01", ListDriver.TAGS),
    ],
)
async def test_filter_only_queries_read_the_day_index_or_a_tag(
    seeded: SearchService, text: str, driver: ListDriver
) -> None:
    assert list_plan(seeded.filters(parse_query(text))).driver is driver
    if not text:
        return
    page = await seeded.search(parse_query(text), page_size=3)
    everything = await seeded.search(parse_query(text), page_size=100)
    assert page.total == everything.total == len(everything.hits) > 0
    assert page.hits == everything.hits[:3]
    days = [(h.note.day, h.note.position) for h in everything.hits]
    assert days == sorted(days, key=lambda d: (-d[0].toordinal(), d[1]))


async def test_a_date_only_page_past_the_end_still_counts(seeded: SearchService) -> None:
    everything = await seeded.search(parse_query("since:2024-06"), page_size=100)
    past = await seeded.search(parse_query("since:2024-06 page:50"))
    assert past.hits == () and past.total == everything.total


@pytest.mark.parametrize(
    "text",
    [
        "tag:llm",
        "tag:llm,rlhf -tag:alignment",
        "tag:llm since:2024-02",
        "tag:llm,rlhf until:2024-06",
    ],
)
async def test_every_page_of_a_tag_list_is_its_slice_of_the_whole(
    seeded: SearchService, text: str
) -> None:
    """Pages are cut inside a day too (the list joins only the page's days to sort them)."""
    whole = await seeded.search(parse_query(text), page_size=100)
    assert len(whole.hits) == whole.total > 3
    days = [(h.note.day, h.note.position) for h in whole.hits]
    assert days == sorted(days, key=lambda d: (-d[0].toordinal(), d[1]))
    for size in (1, 2, 3):
        pages = [
            await seeded.search(parse_query(f"{text} page:{n}"), page_size=size)
            for n in range(1, whole.total // size + 3)
        ]
        assert {p.total for p in pages} == {whole.total}
        assert [h for p in pages for h in p.hits] == list(whole.hits)
