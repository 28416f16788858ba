"""From a parsed query to what the index is asked: concepts, alternatives and term slots.

Each bare word (or run of words the glossary knows, like `가중치 평균`) is one *concept*. A
concept holds *alternatives*; a note matches the concept through its best one. Unknown words
have one alternative, themselves; glossary words have their group's index term (put on every
note that says any member, `weight averaging` or `model soup`), with the members as fallback.
An alternative is a list of *slots* that must all be present (the bigrams of `오토인코더`, or the
two words of `weight averaging`); a slot is one term, or a prefix (`interpretab`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.search.glossary import Glossary, normalize_word
from bot.search.index_terms import pair_terms
from bot.search.query import Query
from bot.search.text import (
    PARTICLES,
    STOPWORDS,
    hangul_terms,
    is_hangul,
    normalize_phrase,
    split_words,
    stem,
)

__all__ = [
    "MAX_PLANNED_CONCEPTS",
    "MIN_PREFIX_CHARS",
    "ORIGINAL_FACTOR",
    "SYNONYM_FACTOR",
    "Alternative",
    "Concept",
    "Slot",
    "plan_concepts",
]

ORIGINAL_FACTOR = 5
SYNONYM_FACTOR = 4
"""The user's own words weigh 5; glossary members searched one by one (the fallback) weigh 4."""

MIN_PREFIX_CHARS = 3
"""Shorter Latin words match only exactly (`rl` must not find `rlhf`)."""

MAX_PLANNED_CONCEPTS = 32
"""Distinct concepts looked up in the vocabulary (in query order); ranking then keeps the
rarest few (`bot.search.ranking.MAX_CONCEPTS`). Bounds the lookup of a pasted paragraph."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One term a note must hold; with `prefix`, a term the index doesn't know is read as the
    start of longer ones (`interpretab`)."""

    term: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Alternative:
    """Slots that must all match; `phrase` (folded words) must also occur verbatim.

    `filters` must also be present but add nothing to the score (a phrase's word pairs).
    `fallback` is searched instead when a slot or filter is unknown to the index: a glossary
    group's term is missing until notes are re-indexed after the group was added or edited.
    `check` is the phrase to verify in the text when ranking reads only some of the filters.
    """

    slots: tuple[Slot, ...]
    factor: int
    phrase: str | None = None
    fallback: tuple[Alternative, ...] = ()
    filters: tuple[Slot, ...] = ()
    check: str | None = None


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing the user asked for, and the ways a note can say it."""

    label: str
    alternatives: tuple[Alternative, ...]


def word_slots(words: Iterable[str], *, prefixes: bool = True) -> tuple[Slot, ...]:
    """Slots for folded, normalized words: Hangul bigrams (one syllable: itself); Latin words.

    Latin words the user typed may be prefixes; glossary words are whole words (`prefixes=False`).
    """
    slots: list[Slot] = []
    for word in words:
        if is_hangul(word):
            terms = hangul_terms(word)
            slots.extend(Slot(t) for t in (terms[1:] if len(word) > 1 else terms))
        elif word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            slots.append(Slot(word, prefix=prefixes and len(word) >= MIN_PREFIX_CHARS))
    return tuple(dict.fromkeys(slots))


def _phrase_words(phrase: str) -> list[str]:
    return [normalize_word(w) for w in split_words(phrase)]


def _query_words(raw_words: Sequence[str]) -> list[str]:
    """Normalized words; a particle glued to a Latin word (`MoE의`, `RLHF를`) is dropped."""
    words: list[str] = []
    for raw in raw_words:
        parts = split_words(raw)
        if len(parts) > 1 and parts[-1] in PARTICLES and not is_hangul(parts[-2]):
            parts = parts[:-1]
        words.extend(normalize_word(p) for p in parts)
    return words


def _members(phrases: Sequence[str], own: Alternative) -> tuple[Alternative, ...]:
    alternatives = []
    for phrase in phrases:
        slots = word_slots(_phrase_words(phrase), prefixes=False)
        if slots and slots != own.slots:
            alternatives.append(Alternative(slots, SYNONYM_FACTOR))
    return tuple(dict.fromkeys(alternatives))


def _concept(words: Sequence[str], glossary: Glossary) -> Concept:
    """The user's words, or, when the glossary knows them, one alternative per group: the
    group's index term, which every member phrase (the user's words included) already put on
    the notes at ingest. One posting list instead of a union: the query's own language gets no
    boost (0.007 nDCG@10 on the judged set, for half the work). Falls back to the words and
    the members while the index lacks the group (added or edited since the last re-index)."""
    own = Alternative(word_slots(words), ORIGINAL_FACTOR)
    groups = glossary.groups_for(words)
    if not groups:
        return Concept(" ".join(words), (own,) if own.slots else ())
    alternatives = []
    for index in groups:
        fallback = ((own,) if own.slots else ()) + _members(glossary.groups[index], own)
        slot = Slot(glossary.group_key(index))
        alternatives.append(Alternative((slot,), ORIGINAL_FACTOR, fallback=fallback))
    return Concept(" ".join(words), tuple(alternatives))


def _word_concepts(words: Sequence[str], glossary: Glossary) -> list[Concept]:
    """Longest glossary match first, left to right; unknown words stand alone. A span seen
    before is not planned again (a pasted word repeated a hundred times costs one)."""
    concepts: dict[tuple[str, ...], Concept] = {}
    start = 0
    while start < len(words):
        for width in range(min(glossary.max_words, len(words) - start), 0, -1):
            span = tuple(words[start : start + width])
            if width == 1 or glossary.groups_for(span):
                if span not in concepts:
                    concepts[span] = _concept(span, glossary)
                start += width
                break
    return [c for c in concepts.values() if c.alternatives]


def _phrase_concept(phrase: str) -> Concept | None:
    """Latin phrases read their word pairs' postings (one list each, the rarest driving); the
    text is checked only when a pair is not in the index (a partial last word, an index built
    before pairs existed) or the phrase has Hangul, whose words carry particles."""
    words = split_words(phrase)
    slots = word_slots(stem(w) if not is_hangul(w) else w for w in words)
    if not slots:
        return None
    verified = Alternative(slots, ORIGINAL_FACTOR, normalize_phrase(phrase))
    pairs = pair_terms(words)
    if len(words) < 2 or len(pairs) != len(words) - 1:
        return Concept(phrase, (verified,))
    filters = tuple(Slot(p) for p in dict.fromkeys(pairs))
    exact = tuple(Slot(s.term) for s in slots)
    paired = Alternative(
        exact, ORIGINAL_FACTOR, fallback=(verified,), filters=filters, check=verified.phrase
    )
    return Concept(phrase, (paired,))


def plan_concepts(query: Query, glossary: Glossary) -> tuple[Concept, ...]:
    """Every concept of a query: glossary-expanded words, then exact phrases.

    Concepts that read the same (a repeated word, `model models`, `평가 평가를`, two spellings
    of one glossary group) are folded into the first; at most `MAX_PLANNED_CONCEPTS` distinct
    ones are kept.
    """
    concepts = _word_concepts(_query_words(query.words), glossary)
    phrases = (_phrase_concept(p) for p in query.phrases)
    every = (*concepts, *(c for c in phrases if c is not None))
    folded: dict[tuple[object, ...], Concept] = {}
    for concept in every:
        # Fallbacks aside: `강화학습` and `강화 학습` read one glossary group's term.
        reads = tuple((a.slots, a.filters, a.factor, a.phrase) for a in concept.alternatives)
        folded.setdefault(reads, concept)
    return tuple(folded.values())[:MAX_PLANNED_CONCEPTS]
