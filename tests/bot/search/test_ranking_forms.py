"""Notes matching every concept rank the same whether the concepts are joined on doc or
grouped from a union (the join is a shortcut, not a different ranking)."""

from __future__ import annotations

import pytest

from bot.search.query import parse_query
from bot.search.service import SearchService
from bot.store import search_ranking

QUERIES = [
    "reward model",
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
    joined = await _page(seeded, text)
    monkeypatch.setattr(search_ranking, "_joined_concepts_sql", lambda concepts, context: None)
    grouped = await _page(seeded, text)
    assert joined == grouped
    assert joined[0] > 0
