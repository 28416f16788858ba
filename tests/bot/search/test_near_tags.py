"""nearest_tags: the tags notes have nearest a tag no note has, most similar then most used."""

from __future__ import annotations

from bot.search.models import TagCount
from bot.search.near_tags import NEAREST_TAGS, nearest_tags

TAGS = [
    (("rlhf", "preference-optimization", "선호최적화"), 12),
    (("rlaif",), 3),
    (("rl",), 1),
    (("강화학습",), 2),
    (("한국어",), 9),
    (("llm", "large-language-model"), 40),
    (("dpo",), 5),
]


def test_a_typo_is_offered_the_nearest_tags_most_similar_first() -> None:
    near = [TagCount("rlhf", 12), TagCount("rlaif", 3), TagCount("rl", 1)]
    assert nearest_tags("rhlf", TAGS) == near
    assert nearest_tags("RHLF", TAGS) == nearest_tags("rhlf", TAGS)  # compared as keys


def test_equally_near_tags_go_most_used_first_and_at_most_three() -> None:
    tags = [((f"tag{n}",), n) for n in range(1, 6)]
    assert nearest_tags("tagx", tags) == [TagCount(f"tag{n}", n) for n in (5, 4, 3)]
    assert len(nearest_tags("tagx", tags, limit=5)) == 5 > NEAREST_TAGS


def test_hangul_is_compared_letter_by_letter() -> None:
    """`강화학슴`: one jamo (ㅂ→ㅁ) of eleven is wrong, so `강화학습` is near (a syllable of four
    would be as far as `학습` from `한국`); an alias is offered by its own spelling."""
    assert nearest_tags("강화학슴", TAGS) == [TagCount("강화학습", 2)]
    assert nearest_tags("선호최적하", TAGS) == [TagCount("선호최적화", 12)]
    assert nearest_tags("한구거", TAGS) == [TagCount("한국어", 9)]


def test_nothing_near_offers_nothing() -> None:
    assert nearest_tags("zzqxv", TAGS) == []
    assert nearest_tags("rhlf", []) == []
