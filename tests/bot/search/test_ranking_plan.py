"""The read plan's choices and bounds, on the plan object (pure: a vocabulary given as data)."""

from __future__ import annotations

from bot.search.glossary import Glossary
from bot.search.plan import Concept, Slot, plan_concepts
from bot.search.query import parse_query
from bot.search.ranking import Combine, RankPlan, Terms, rank_plan

NO_GLOSSARY = Glossary.build([])


def _plan(text: str, df: dict[str, int], total: int = 50_000) -> RankPlan:
    concepts = plan_concepts(parse_query(text), NO_GLOSSARY)
    return rank_plan(concepts, _vocabulary(concepts, df), total)


def _vocabulary(concepts: tuple[Concept, ...], df: dict[str, int]) -> dict[Slot, Terms]:
    """Every slot known with the given frequency (100 unless said), exact."""
    every = [a for c in concepts for a in c.alternatives]
    every += [f for a in every for f in a.fallback]
    slots = {s for a in every for s in (*a.slots, *a.filters)}
    return {s: [(s.term, df.get(s.term, 100), 5)] for s in slots}


def test_one_word_is_one_plain_posting_list_counted_apart() -> None:
    plan = _plan("rlhf", {})
    (single,) = plan.passes
    assert single.combine is Combine.SINGLE and not single.count_in_page


def test_several_words_join_on_the_rarest_then_fall_back_to_any() -> None:
    plan = _plan("transformer rnn", {"transformer": 9000, "rnn": 40})
    every, some = plan.passes
    assert every.combine is Combine.ALL_JOINED and every.count_in_page
    assert [c.label for c in every.concepts] == ["rnn", "transformer"]
    assert some.combine is Combine.ANY


def test_a_word_the_index_lacks_skips_the_all_pass() -> None:
    concepts = plan_concepts(parse_query("transformer xyzzy"), NO_GLOSSARY)
    vocabulary = _vocabulary(concepts, {})
    vocabulary[Slot("xyzzy", prefix=True)] = []
    plan = rank_plan(concepts, vocabulary, 1000)
    assert plan.unmatched == ("xyzzy",)
    assert [p.combine for p in plan.passes] == [Combine.SINGLE]


def test_a_prefix_with_completions_groups_instead_of_joining() -> None:
    concepts = plan_concepts(parse_query("interpretab sparse"), NO_GLOSSARY)
    vocabulary = _vocabulary(concepts, {"spars": 10})  # the rarer word drives
    vocabulary[Slot("interpretab", prefix=True)] = [
        ("interpretability", 30, 3),
        ("interpretable", 20, 3),
    ]
    plan = rank_plan(concepts, vocabulary, 1000)
    assert plan.passes[0].combine is Combine.ALL_GROUPED
    assert [c.label for c in plan.passes[0].concepts] == ["spars", "interpretab"]


def test_at_most_five_concepts_rank_the_rarest() -> None:
    words = "alpha bravo kilo delta echo lima golf hotel"
    df = {w: 1000 * (i + 1) for i, w in enumerate(words.split())}
    plan = _plan(words, df)
    assert all(len(p.concepts) == 5 for p in plan.passes)
    assert [c.label for c in plan.passes[0].concepts] == [
        "alpha",
        "bravo",
        "kilo",
        "delta",
        "echo",
    ]
    assert plan.dropped == ("lima", "golf", "hotel")


def test_when_no_note_has_every_word_any_reads_a_bounded_number_of_postings() -> None:
    words = "alpha bravo kilo delta echo"
    df = {w: 20_000 + i for i, w in enumerate(words.split())}
    plan = _plan(words, df)
    assert [c.label for c in plan.passes[-1].concepts] == ["alpha", "bravo"]
    assert sum(c.cost for c in plan.passes[-1].concepts) <= 60_000


def test_a_long_korean_word_reads_its_six_rarest_bigrams() -> None:
    word = "가나다라마바사아자차"  # 10 syllables: 9 bigrams
    df = {"사아": 3, "가나": 5, "나다": 9}
    plan = _plan(word, df)
    (alternative,) = plan.passes[0].concepts[0].alternatives
    read = [alternative.driver, *alternative.joined]
    assert len(read) == 6 and read[0].terms[0].term == "사아"
    assert {"사아", "가나", "나다"} <= {s.terms[0].term for s in read}


def test_a_long_phrase_reads_its_four_rarest_pairs_and_checks_the_text() -> None:
    phrase = '"one two three four five six seven eight"'
    plan = _plan(phrase, {">six seven": 2})
    (alternative,) = plan.passes[0].concepts[0].alternatives
    pairs = [s for s in (alternative.driver, *alternative.joined) if s.terms[0].multiplier == 0]
    assert len(pairs) == 4 and alternative.driver.terms[0].term == ">six seven"
    assert alternative.phrase == "one two three four five six seven eight"
    short = _plan('"one two three"', {})
    assert short.passes[0].concepts[0].alternatives[0].phrase is None  # the pairs suffice


def test_a_join_too_large_for_one_statement_groups_instead() -> None:
    phrases = " ".join(
        '"'
        + " ".join(f"{word}{n}" for word in ("aa", "bb", "cc", "dd", "ee", "ff", "gg", "hh"))
        + '"'
        for n in range(5)
    )  # five phrases of 8 words: each reads 10 posting lists and checks its text
    plan = _plan(phrases, {})
    every = plan.passes[0]
    assert all(c.one_row_per_note for c in every.concepts) and every.tables == 55
    assert every.combine is Combine.ALL_GROUPED  # SQLite refuses joins of over 64 tables
    assert _plan("alpha bravo", {}).passes[0].combine is Combine.ALL_JOINED
