"""Filters found first: the plan's choice (pure), the same results either way, and a filter no
note meets answered without ranking (both engines)."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.search import filter_plan as plans
from bot.search import index_sql
from bot.search.filter_plan import (
    FilterGroup,
    FilterRead,
    filter_plan,
    filter_reads,
    worth_planning,
)
from bot.search.models import SearchFilters
from bot.search.query import parse_query
from bot.search.service import SearchService
from tests.support.sql_events import statements

FILTER_QUERIES = [
    "tag:rlhf -tag:reward-model",
    "tag:alignment -tag:rlhf -tag:safety",
    "tag:llm -tag:code",
    "tag:rlhf -tag:alignment reward",
    "author:zhang tag:rlhf",
    "author:xiong -tag:reward-model",
    "tag:alignment since:2024-06",
    "tag:llm until:2024-06",
    "tag:efficient-training -tag:quantization 학습",
    "tag:alignment,llm -tag:safety model",
    "author:lin -tag:benchmark page:2",
    'author:"Tong Zhang" -tag:benchmark',
    'author:"Wei Xiong" since:2024-02 model',
    'author:"Wei Zhang" -tag:benchmark',  # two co-authors' words: no one name holds both
    "tag:rlhf tag:alignment,safety -tag:survey reward model",
    "author:kim tag:llm training",
]


def _groups(filters: SearchFilters, postings: dict[str, int]) -> dict[FilterRead, FilterGroup]:
    return {
        r: FilterGroup(r, sum(postings.get(t, 0) for t in (*r.terms, r.prefix or "")))
        for r in filter_reads(filters)
    }


def _filters(text: str) -> SearchFilters:
    query = parse_query(text)
    return SearchFilters(
        tag_groups=query.tag_groups,
        excluded_tags=query.excluded_tags,
        authors=query.authors,
        since=query.since,
        until=query.until,
    )


def test_several_filters_with_a_small_intersection_are_found_first() -> None:
    filters = _filters("tag:rlhf tag:safety author:wang reward")
    plan = filter_plan(
        filters, _groups(filters, {"#rlhf": 4500, "#safety": 3000, "@wang": 5000}), 50_000, 12_000
    )
    assert plan is not None and plan.first and not plan.empty
    assert [g.read.terms or (g.read.prefix,) for g in plan.groups] == [
        ("#safety",),
        ("#rlhf",),
        ("@wang",),
    ]
    assert plan.estimate <= 30


def test_one_filter_alone_is_checked_while_ranking() -> None:
    filters = _filters("tag:rlhf reward")
    plan = filter_plan(filters, _groups(filters, {"#rlhf": 40}), 50_000, 12_000)
    assert plan is not None and not plan.first


def test_a_ranking_rarer_than_the_filters_drives() -> None:
    filters = _filters("tag:llm tag:alignment obscureword")
    plan = filter_plan(filters, _groups(filters, {"#llm": 7000, "#alignment": 7000}), 50_000, 3)
    assert plan is not None and not plan.first


def test_a_large_intersection_is_not_found_first() -> None:
    filters = _filters("tag:llm tag:alignment")
    plan = filter_plan(
        filters, _groups(filters, {"#llm": 30_000, "#alignment": 30_000}), 50_000, None
    )
    assert plan is not None and not plan.first and plan.estimate > plans.MAX_FILTERED_DOCS


def test_a_filter_no_note_meets_empties_the_plan() -> None:
    filters = _filters("tag:rlhf tag:nosuchtag")
    plan = filter_plan(filters, _groups(filters, {"#rlhf": 4500}), 50_000, None)
    assert plan is not None and plan.empty


def test_one_condition_alone_asks_the_vocabulary_nothing() -> None:
    assert not worth_planning(_filters("tag:llm reward"))
    assert not worth_planning(_filters("since:2024-01 -tag:survey"))  # no required group
    assert worth_planning(_filters("tag:llm -tag:survey"))
    assert worth_planning(_filters('author:"Sanjeev Arora"'))  # the parts and the full name


def test_dates_and_exclusions_alone_have_no_plan() -> None:
    assert filter_plan(_filters("since:2024-01 -tag:survey"), {}, 50_000, None) is None


async def _results(service: SearchService, text: str) -> tuple[object, ...]:
    page = await service.search(parse_query(text))
    return (page.total, [(h.note.key, h.score) for h in page.hits], page.next_cursor)


async def test_filters_found_first_give_the_same_results(
    seeded: SearchService, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    with statements(app.engine) as seen:
        first = [await _results(seeded, text) for text in FILTER_QUERIES]
    assert sum("SELECT DISTINCT f.doc" in s for s in seen) >= len(FILTER_QUERIES) - 2
    monkeypatch.setattr(plans, "MAX_FILTERED_DOCS", -1)  # never first: filtered while ranking
    with statements(app.engine) as seen:
        later = [await _results(seeded, text) for text in FILTER_QUERIES]
    assert not any("SELECT DISTINCT f.doc" in s for s in seen)
    assert first == later
    assert sum(1 for total, *_ in first if total) >= 6  # we compared real results


async def test_a_set_larger_than_the_bound_is_filtered_while_ranking(
    seeded: SearchService, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = await _results(seeded, "tag:llm since:2024-01 모델")
    monkeypatch.setattr(index_sql, "MAX_FILTERED_DOCS", 1)  # the statement finds more: gives up
    assert await _results(seeded, "tag:llm since:2024-01 모델") == expected


async def test_a_filter_no_note_meets_is_answered_without_ranking(
    seeded: SearchService, app: App
) -> None:
    with statements(app.engine) as seen:
        page = await seeded.search(parse_query("tag:nosuchtag tag:rlhf reward model"))
    assert page.total == 0 and not page.hits
    reads = [s for s in seen if "search_generation" not in s]  # the cache's check aside
    assert not any("search_postings" in s for s in reads)
    assert len(reads) == 2  # the words' vocabulary and the filters' vocabulary
