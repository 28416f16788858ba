"""`index_note` (the fast per-note posting builder ingest uses) against the plain definition of
a note's postings, written here word by word from the query-side functions (`text_terms`,
`pair_terms`, `index_words`) and the glossary's phrase patterns: on every seed note, and on
generated notes mixing both scripts, stopwords, inflections, particles, glossary phrases,
accents, digits, punctuation and over-long words."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.parser import parse_notes
from bot.models import Note
from bot.search import index_terms
from bot.search.group_terms import GroupMatcher, index_words
from bot.search.index_terms import (
    AUTHOR_PREFIX,
    FIELD_WEIGHTS,
    MAX_TERM_CHARS,
    TAG_PREFIX,
    index_note,
    pair_terms,
    text_terms,
)
from bot.search.text import normalize_phrase, split_words
from tests.support.search import project_glossary

GROUPS = GroupMatcher.build(project_glossary())


def defined_terms(note: Note, groups: GroupMatcher | None) -> dict[str, int]:
    """A note's postings by their definition: per field, each distinct term adds the field's
    weight and each glossary group whose phrase occurs in it too; repeats over all fields add
    up to 3; word pairs weigh 1; tags and author name parts have their own terms."""
    fields = {
        "title": note.title,
        "tags": " ".join(note.tags),
        "authors": " ".join(note.authors),
        "abstract": note.abstract,
        "commentary": note.commentary,
    }
    weights: Counter[str] = Counter()
    repeats: Counter[str] = Counter()
    pairs: set[str] = set()
    for field, text in fields.items():
        counts = Counter(text_terms(text))
        for term in counts:
            weights[term] += FIELD_WEIGHTS[field]
        repeats.update(counts)
        if groups is not None:
            joined = " " + " ".join(index_words(text)) + " "
            found = {
                key
                for term in counts
                for key, pattern in groups.patterns.get(term, ())
                if pattern in joined
            }
            for key in found:
                weights[key] += FIELD_WEIGHTS[field]
        pairs.update(pair_terms(split_words(text)))
    for term, count in repeats.items():
        weights[term] += min(count - 1, 3)
    for pair in pairs:
        weights[pair] = 1
    for tag in note.tags:
        weights[(TAG_PREFIX + tag)[:MAX_TERM_CHARS]] = FIELD_WEIGHTS["tags"]
    for name in note.authors:
        for part in normalize_phrase(name).split():
            weights[(AUTHOR_PREFIX + part)[:MAX_TERM_CHARS]] = FIELD_WEIGHTS["authors"]
    return dict(weights)


def _seed_notes(seeds_dir: Path) -> list[Note]:
    return [
        note
        for path in sorted(seeds_dir.glob("*.txt"))
        for note in parse_notes(path.read_bytes(), path.name).notes
    ]


def test_every_seed_note_gets_its_defined_postings_in_term_order(seeds_dir: Path) -> None:
    notes = _seed_notes(seeds_dir)
    assert len(notes) > 30
    grouped = 0
    for note in notes:
        for groups in (GROUPS, None):
            terms = index_note(note, groups).terms
            assert terms == defined_terms(note, groups), note.key
            assert list(terms) == sorted(terms)
        grouped += any(term.startswith("~") for term in index_note(note, GROUPS).terms)
    assert grouped > 10  # the glossary part of the definition is exercised


def test_a_full_word_cache_starts_afresh_without_changing_postings(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = _seed_notes(seeds_dir)[:20]
    expected = [defined_terms(note, GROUPS) for note in notes]
    monkeypatch.setattr(index_terms, "_WORDS", index_terms._WordTerms())
    monkeypatch.setattr(index_terms, "_WORD_CACHE_LIMIT", 5)
    assert [index_note(note, GROUPS).terms for note in notes] == expected
    assert 0 < len(index_terms._WORDS) <= 5  # the notes have hundreds of distinct words


_GLOSSARY_PHRASES = [phrase for group in project_glossary().groups for phrase in group]
_WORDS_TEXT = (
    "weight averaging averaged average models model the of a and is this via rlhf moe llm "
    "studies studying used uses ss focus bus analysis 2024 7 x Ramé ÉCOLE naïve "
    "평가를 방법들에서 모델의 학습 데이터셋이 강화학습 보상 가 의 는 가중치 평균화를"
)
_PIECES = [
    *_WORDS_TEXT.split(" "),
    *_GLOSSARY_PHRASES,
    "MoE의",
    "long-context",
    "snake_case",
    "x" * 70,
    "가" * 40,
    "ａｂｃ",  # full-width: NFKC folds it
]
_SEPARATORS = [" ", "  ", ", ", ". ", "\n", "-", "(", ")", "/", "'"]
_text = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(_PIECES),
            st.text(alphabet="abcdefgEIS가나다평균모델ée0_", min_size=1, max_size=9),
        ),
        st.sampled_from(_SEPARATORS),
    ),
    max_size=30,
).map(lambda parts: "".join(word + sep for word, sep in parts))
_names = st.lists(
    st.sampled_from(["Sanjeev Arora", "Kim Min-jun", "김민준", "A. Wang", "Élodie Ramé", "x"]),
    max_size=4,
    unique=True,
)
_tags = st.lists(
    st.sampled_from(["rlhf", "alignment", "선호최적화", "efficient_training", "t" * 70]),
    max_size=3,
    unique=True,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_text, abstract=_text, commentary=_text, authors=_names, tags=_tags)
def test_generated_notes_get_their_defined_postings(
    title: str, abstract: str, commentary: str, authors: list[str], tags: list[str]
) -> None:
    note = Note(
        key="k",
        day=date(2024, 1, 2),
        title=title,
        authors=tuple(authors),
        abstract=abstract,
        commentary=commentary,
        tags=tuple(tags),
    )
    for groups in (GROUPS, None):
        terms = index_note(note, groups).terms
        assert terms == defined_terms(note, groups)
        assert list(terms) == sorted(terms)
