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
