"""The judged query set (tests/fixtures/search_judgments.toml) stays above nDCG@10 = 0.9."""

from __future__ import annotations

import statistics

from bot.search.evaluation import load_judgments, ndcg
from bot.search.query import parse_query
from bot.search.service import SearchService
from tests.support.search import JUDGMENTS_PATH, keys_for


def test_judged_set_is_big_enough() -> None:
    judged = load_judgments(JUDGMENTS_PATH)
    assert len(judged) >= 40
    assert any(any("\uac00" <= ch <= "\ud7a3" for ch in j.text) for j in judged)


def test_ndcg_rewards_relevant_notes_first() -> None:
    relevant = {"a": 2, "b": 1}
    assert ndcg(["a", "b", "c"], relevant) == 1.0
    assert ndcg(["c", "b", "a"], relevant) < ndcg(["b", "a", "c"], relevant) < 1.0
    assert ndcg([], relevant) == 0.0


async def test_mean_ndcg_at_10_is_at_least_0_9(seeded: SearchService) -> None:
    scores = []
    for judged in load_judgments(JUDGMENTS_PATH):
        parse_query(judged.text)  # every judged query is valid grammar
        scores.append(ndcg(await keys_for(seeded, judged.text, page_size=10), judged.relevant))
    assert statistics.fmean(scores) >= 0.9
