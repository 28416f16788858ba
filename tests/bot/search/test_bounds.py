"""Every query the grammar accepts is answered at a bounded cost: repeated and redundant words
fold into one concept, and the plan's size is bounded (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from bot.search.query import MAX_QUERY_CHARS, parse_query
from bot.search.ranking import JOIN_TABLES, Combine
from bot.search.service import SearchService
from tests.support.search import keys_for

ABSTRACT = (
    "Large language models trained with reinforcement learning from human feedback can learn "
    "to mislead humans: their answers look more convincing to evaluators without being more "
    "correct, and the gap widens on harder question answering and programming tasks"
)


async def _answer(service: SearchService, text: str) -> tuple[int, list[tuple[str, int]]]:
    page = await service.search(parse_query(text), page_size=50)
    return page.total, [(hit.note.key, hit.score) for hit in page.hits]


async def test_a_word_repeated_to_the_length_limit_is_the_word(seeded: SearchService) -> None:
    repeated = " ".join(["rlhf"] * (MAX_QUERY_CHARS // 5))  # was 99 joined tables: SQLite failed
    assert len(repeated) <= MAX_QUERY_CHARS
    assert await _answer(seeded, repeated) == await _answer(seeded, "rlhf")
    plan = await seeded.plan(parse_query(repeated))
    assert [len(p.concepts) for p in plan.passes] == [1]


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ("model models", "model"),
        ("평가를 평가 평가는", "평가"),
        ("RLHF rlhf RLHF를", "rlhf"),
        ("강화학습 강화 학습", "강화학습"),  # two spellings of one glossary group
        ('"weight averaging" "weight averaging"', '"weight averaging"'),
    ],
)
async def test_spellings_of_one_word_fold_into_one_concept(
    seeded: SearchService, text: str, alone: str
) -> None:
    plan = await seeded.plan(parse_query(text))
    assert [p.combine for p in plan.passes] == [Combine.SINGLE]
    assert await _answer(seeded, text) == await _answer(seeded, alone)


async def test_a_pasted_abstract_ranks_by_its_rarest_concepts(seeded: SearchService) -> None:
    plan = await seeded.plan(parse_query(ABSTRACT))
    assert plan.passes and all(len(p.concepts) <= 5 for p in plan.passes)
    assert plan.dropped  # the commoner concepts are left out, by label
    kept = {c.label for p in plan.passes for c in p.concepts}
    assert not kept & set(plan.dropped)
    costs = sorted(c.cost for c in plan.passes[-1].concepts)
    assert all(c >= 0 for c in costs)
    total, hits = await _answer(seeded, ABSTRACT)
    assert total > 0 and hits[0][0] == "2024-09-20-language-models-learn-to-mislead-humans-via-rlhf"


async def test_many_distinct_words_up_to_the_limit(seeded: SearchService) -> None:
    words = "reward model transformer rnn sparse autoencoder scaling law long context llm "
    text = (words * 8)[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
    plan = await seeded.plan(parse_query(text))
    assert all(p.tables <= JOIN_TABLES or p.combine is not Combine.ALL_JOINED for p in plan.passes)
    assert all(len(p.concepts) <= 5 for p in plan.passes)
    await _answer(seeded, text)


async def test_a_long_korean_word_is_answered(seeded: SearchService) -> None:
    word = "희소오토인코더가중치평균강화학습보상모델" * 4  # 80 syllables, one word: 79 bigrams
    assert await _answer(seeded, word) == (0, [])
    assert (await _answer(seeded, "오토인코더가"))[0] > 0


async def test_a_long_phrase_checks_its_text_beyond_the_rarest_pairs(
    seeded: SearchService,
) -> None:
    title = "Language Models Learn to Mislead Humans via RLHF"
    plan = await seeded.plan(parse_query(f'"{title}"'))
    (alternative,) = plan.passes[0].concepts[0].alternatives
    pairs = [alternative.driver, *(s for s in alternative.joined if s.terms[0].multiplier == 0)]
    assert (
        len(pairs) <= 4 and alternative.phrase == "language models learn to mislead humans via rlhf"
    )
    assert await keys_for(seeded, f'"{title}"') == [
        "2024-09-20-language-models-learn-to-mislead-humans-via-rlhf"
    ]
    assert await keys_for(seeded, '"Language Models Learn to Mislead Humans via RLAIF"') == []
