"""What the search index holds for one note: weighted terms, phrase text, author names.

Pure, so ingest (async store), the migration backfill (sync) and tests all build identical rows.
Weights are small integers so scores add up exactly the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from bot.models import Note
from bot.search.group_terms import GroupMatcher
from bot.search.text import (
    MAX_TERM_CHARS,
    STOPWORDS,
    hangul_terms,
    is_hangul,
    normalize_phrase,
    split_words,
    stem,
)

__all__ = [
    "AUTHOR_PREFIX",
    "FIELD_WEIGHTS",
    "PAIR_PREFIX",
    "TAG_PREFIX",
    "IndexedNote",
    "index_note",
    "pair_terms",
    "text_terms",
]

TAG_PREFIX = "#"
AUTHOR_PREFIX = "@"
PAIR_PREFIX = ">"
"""Adjacent-word terms (`>weight averag`): a Latin phrase reads one posting list per word pair
instead of checking the text of every note that has all its words. The mark keeps them out of
prefix ranges (`weigh` must not find `weight averag`)."""

_PAIR_WEIGHT = 1
"""Pair postings only filter (ranking multiplies them by 0); the weight is never read."""

FIELD_WEIGHTS = {"title": 6, "tags": 6, "authors": 4, "abstract": 2, "commentary": 2}
"""A term's weight in a note is the sum over the fields it occurs in, plus up to 3 for repeats:
a word in the title or tags counts three times one that appears only once in the body."""

_MAX_REPEAT_BONUS = 3


@dataclass(frozen=True, slots=True)
class IndexedNote:
    """A note's index rows: term → weight, folded phrase text, and author names."""

    terms: dict[str, int]
    text: str
    authors_text: str


def text_terms(text: str) -> list[str]:
    """Index terms of free text, with repeats: Hangul bigrams, stemmed Latin words."""
    terms: list[str] = []
    for word in split_words(text):
        if is_hangul(word):
            terms.extend(hangul_terms(word))
        elif word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            terms.append(stem(word))
    return terms


def pair_terms(words: list[str]) -> list[str]:
    """Terms for every two consecutive Latin words (stemmed, stopwords kept) of folded words.

    A pair that does not fit in a term is left out; queries for it check the text instead.
    """
    stems = [None if is_hangul(w) else stem(w) for w in words]
    pairs: list[str] = []
    for first, second in pairwise(stems):
        if first is not None and second is not None:
            term = f"{PAIR_PREFIX}{first} {second}"
            if len(term) <= MAX_TERM_CHARS:
                pairs.append(term)
    return pairs


def _field_texts(note: Note) -> dict[str, str]:
    return {
        "title": note.title,
        "tags": " ".join(note.tags),
        "authors": " ".join(note.authors),
        "abstract": note.abstract,
        "commentary": note.commentary,
    }


_stem = lru_cache(maxsize=1 << 16)(stem)
"""Stemming is pure and words repeat across notes: a cache halves the cost of indexing."""

_FIRST_HANGUL, _LAST_HANGUL = "\uac00", "\ud7a3"


def index_note(note: Note, groups: GroupMatcher | None = None) -> IndexedNote:
    """Build the index rows of one note; `groups` adds the glossary groups it mentions.

    Each field is split into words once; its terms, glossary phrases, word pairs and phrase
    text all come from those words (the same terms `text_terms` and `pair_terms` give).
    """
    weights: Counter[str] = Counter()
    repeats: Counter[str] = Counter()
    pairs: set[str] = set()
    phrases: list[str] = []
    for field, text in _field_texts(note).items():
        words = split_words(text)
        phrases.append(" ".join(words))
        # `split_words` yields runs that are all Hangul or none: the first letter tells.
        stems = [None if _FIRST_HANGUL <= w[0] <= _LAST_HANGUL else _stem(w) for w in words]
        counts: Counter[str] = Counter()
        matched: list[str] = []
        for word, stemmed in zip(words, stems, strict=True):
            if stemmed is None:
                counts.update(hangul_terms(word))
                matched.append(word)
            elif word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
                counts[stemmed] += 1
                matched.append(stemmed)
        weight = FIELD_WEIGHTS[field]
        for term, count in counts.items():
            weights[term] += weight
            repeats[term] += count
        if groups is not None:
            for key in groups.groups_in(matched, counts):
                weights[key] += weight
        for first, second in pairwise(stems):
            if first is not None and second is not None:
                pair = f"{PAIR_PREFIX}{first} {second}"
                if len(pair) <= MAX_TERM_CHARS:
                    pairs.add(pair)
    for term, count in repeats.items():
        weights[term] += min(count - 1, _MAX_REPEAT_BONUS)
    for pair in pairs:
        weights[pair] = _PAIR_WEIGHT
    for tag in note.tags:
        weights[(TAG_PREFIX + tag)[:MAX_TERM_CHARS]] = FIELD_WEIGHTS["tags"]
    names = [normalize_phrase(name) for name in note.authors]
    for name in names:
        for part in name.split():
            weights[(AUTHOR_PREFIX + part)[:MAX_TERM_CHARS]] = FIELD_WEIGHTS["authors"]
    # Every word has a space on both sides and fields are apart, so `LIKE '% a b%'` finds the
    # phrase at a word start inside one field.
    text = " \n ".join(phrases)
    return IndexedNote(terms=dict(weights), text=f" {text} ", authors_text="|".join(names))
