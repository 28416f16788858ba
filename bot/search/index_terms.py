"""What the search index holds for one note: weighted terms, phrase text, author names.

Pure, so ingest (async store), the migration backfill (sync) and tests all build identical rows.
Weights are small integers so scores add up exactly the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain, pairwise, repeat
from operator import itemgetter

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
    "author_term",
    "index_note",
    "pair_terms",
    "tag_term",
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


def tag_term(tag: str) -> str:
    """A tag's index term, cut to what a term column holds (`MAX_TERM_CHARS`): notes keep tags
    of up to 200 characters, and a query must read the term the index wrote."""
    return (TAG_PREFIX + tag)[:MAX_TERM_CHARS]


def author_term(part: str) -> str:
    """A word of an author's name as an index term, cut like `tag_term`."""
    return (AUTHOR_PREFIX + part)[:MAX_TERM_CHARS]


@dataclass(frozen=True, slots=True)
class IndexedNote:
    """A note's index rows: term → weight (in term order), folded phrase text, and author
    names."""

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


_FIRST_HANGUL, _LAST_HANGUL = "\uac00", "\ud7a3"

_WORD_CACHE_LIMIT = 1 << 16
"""Distinct words remembered between notes (about 20 MB when full, half of them Hangul); the
cache starts afresh when it is full, so a long-running process does not grow without bound."""


_WordEntry = tuple[tuple[str, ...], str | None, str | None]


class _WordTerms(dict[str, _WordEntry]):
    """Each folded word's (index terms, stem for word pairs, word as glossary phrases see it),
    worked out once per distinct word: words repeat across notes, and a dictionary hit costs
    far less than tokenising again. Hangul words give their first syllable and bigrams, no
    stem, and themselves; Latin words their stem (for pairs always, as a term and for phrases
    unless they are stopwords or single letters)."""

    __slots__ = ()

    def __missing__(self, word: str) -> _WordEntry:
        entry: _WordEntry
        # `split_words` yields runs that are all Hangul or none: the first letter tells.
        if _FIRST_HANGUL <= word[0] <= _LAST_HANGUL:
            entry = (tuple(hangul_terms(word)), None, word)
        elif word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            stemmed = stem(word)
            entry = ((stemmed,), stemmed, stemmed)
        else:
            entry = ((), stem(word), None)
        if len(self) >= _WORD_CACHE_LIMIT:
            self.clear()
        self[word] = entry
        return entry


_WORDS = _WordTerms()
_TERMS, _STEM, _MATCHED = itemgetter(0), itemgetter(1), itemgetter(2)

_FIELD_ORDER = ("title", "tags", "authors", "abstract", "commentary")


def index_note(note: Note, groups: GroupMatcher | None = None) -> IndexedNote:
    """Build the index rows of one note; `groups` adds the glossary groups it mentions.

    Each field is split into words once; its terms, glossary phrases, word pairs and phrase
    text all come from those words (the same terms `text_terms` and `pair_terms` give). The
    work per word is one lookup in `_WORDS`, and counting is done by `Counter` over whole lists.
    """
    texts = (
        note.title,
        " ".join(note.tags),
        " ".join(note.authors),
        note.abstract,
        note.commentary,
    )
    every: list[str] = []  # every field's terms, repeats included
    weighted: list[str] = []  # each field's distinct terms (and groups), once per weight point
    pairs: set[str] = set()
    phrases: list[str] = []
    for field, text in zip(_FIELD_ORDER, texts, strict=True):
        words = split_words(text)
        phrases.append(" ".join(words))
        if not words:
            continue
        entries = list(map(_WORDS.__getitem__, words))
        terms = list(chain.from_iterable(map(_TERMS, entries)))
        every += terms
        distinct = set(terms)
        weight = FIELD_WEIGHTS[field]
        weighted.extend(chain.from_iterable(repeat(distinct, weight)))
        if groups is not None and (starts := distinct & groups.first_terms):
            # Some glossary phrase starts with one of the field's terms: look for them all.
            matched = [m for m in map(_MATCHED, entries) if m is not None]
            weighted.extend(chain.from_iterable(repeat(groups.groups_in(matched, starts), weight)))
        stems = list(map(_STEM, entries))
        for first, second in pairwise(stems):
            if first is not None and second is not None:
                pair = f"{PAIR_PREFIX}{first} {second}"
                if len(pair) <= MAX_TERM_CHARS:
                    pairs.add(pair)
    weights = dict(Counter(weighted))  # the sum of the weights of the fields a term is in
    for term, count in Counter(every).items():
        if count > 1:
            weights[term] += min(count - 1, _MAX_REPEAT_BONUS)
    weights.update(dict.fromkeys(pairs, _PAIR_WEIGHT))
    for tag in note.tags:
        weights[tag_term(tag)] = FIELD_WEIGHTS["tags"]
    names = [normalize_phrase(name) for name in note.authors]
    for name in names:
        for part in name.split():
            weights[author_term(part)] = FIELD_WEIGHTS["authors"]
    # In term order: the fingerprint sorts them again, and a batch's postings are sorted by
    # term before they are written, both far cheaper over runs already in order.
    ordered = sorted(weights)
    # Every word has a space on both sides and fields are apart, so `LIKE '% a b%'` finds the
    # phrase at a word start inside one field.
    text = " \n ".join(phrases)
    return IndexedNote(
        terms=dict(zip(ordered, map(weights.__getitem__, ordered), strict=True)),
        text=f" {text} ",
        authors_text="|".join(names),
    )
