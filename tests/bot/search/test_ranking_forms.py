"""Notes matching every concept rank the same whether the concepts are joined on doc or
grouped from a union (the join is a shortcut, not a different ranking); the choice is made on
the typed plan."""

from __future__ import annotations

import pytest

from bot.search import ranking
from bot.search.query import parse_query
from bot.search.ranking import Combine
from bot.search.service import SearchService

QUERIES = [
    "reward transformer",
    "데이터셋이 학습",
    "강화학습 보상 모델",
    "transformer rnn",
    "가중치 평균 reward",
]


async def _page(service: SearchService, text: str) -> tuple[int, list[tuple[str, int]]]:
    page = await service.search(parse_query(text), page_size=50)
    return page.total, [(hit.note.key, hit.score) for hit in page.hits]


@pytest.mark.parametrize("text", QUERIES)
async def test_joined_and_grouped_forms_agree(
    seeded: SearchService, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = await seeded.plan(parse_query(text))
    assert plan.passes[0].combine is Combine.ALL_JOINED
    joined = await _page(seeded, text)
    monkeypatch.setattr(ranking, "JOIN_TABLES", 0)  # no join is small enough: group instead
    assert (await seeded.plan(parse_query(text))).passes[0].combine is Combine.ALL_GROUPED
    grouped = await _page(seeded, text)
    assert joined == grouped
    assert joined[0] > 0


@pytest.mark.parametrize("text", ["model", "rlhf", "model since:2024-02", "model -tag:llm"])
async def test_a_single_posting_list_pages_best_score_then_newest(
    seeded: SearchService, text: str
) -> None:
    """One term's page is sorted on its stored weights (the score is weight times a constant):
    every page is its slice of the whole, best score first, the newer note first on ties."""
    plan = await seeded.plan(parse_query(text))
    assert len(plan.passes) == 1 and not plan.passes[0].count_in_page
    whole = await seeded.search(parse_query(text), page_size=100)
    assert len(whole.hits) == whole.total > 3
    order = [(-h.score, -h.note.day.toordinal()) for h in whole.hits]
    assert order == sorted(order)
    pages = [
        await seeded.search(parse_query(f"{text} page:{n}"), page_size=2)
        for n in range(1, whole.total // 2 + 2)
    ]
    assert {p.total for p in pages} == {whole.total}
    assert [h for p in pages for h in p.hits] == list(whole.hits)
