"""Finding glossary groups in note text at index time.

A note that says "weight averaging" (or "가중치 평균화를") gets the group's term, `~<hash>`, so a
query in either language reads one posting list instead of joining every synonym's words.
Matching is on index words: Latin words stemmed, a Korean phrase's last word may carry a
particle. Each phrase is only tried when its first word is among the field's terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.search.glossary import Glossary, normalize_word
from bot.search.text import STOPWORDS, hangul_terms, is_hangul, split_words, stem

__all__ = ["GroupMatcher", "index_words"]


def index_words(text: str) -> list[str]:
    """Words as phrases are matched: Latin stemmed (stopwords out), Hangul words as written."""
    words = []
    for word in split_words(text):
        if is_hangul(word):
            words.append(word)
        elif word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            words.append(stem(word))
    return words


def _first_term(word: str) -> str:
    return (hangul_terms(word)[1] if len(word) > 1 else word) if is_hangul(word) else word


@dataclass(frozen=True, slots=True)
class GroupMatcher:
    """Phrase patterns of every glossary group, keyed by the index term of their first word."""

    patterns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    first_terms: frozenset[str] = field(init=False)
    """The patterns' keys as a set: a field's distinct terms are intersected with it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_terms", frozenset(self.patterns))

    @classmethod
    def build(cls, glossary: Glossary) -> GroupMatcher:
        patterns: dict[str, list[tuple[str, str]]] = {}
        for index, group in enumerate(glossary.groups):
            key = glossary.group_key(index)
            for phrase in group:
                for words in _spellings(phrase):
                    # A Korean last word may carry a particle: no space after it.
                    tail = "" if is_hangul(words[-1]) else " "
                    pattern = " " + " ".join(words) + tail
                    patterns.setdefault(_first_term(words[0]), []).append((key, pattern))
        return cls(patterns)

    def groups_in(self, words: list[str], terms: Iterable[str]) -> set[str]:
        """Keys of the groups whose phrases occur in a field (its index words and terms)."""
        joined = " " + " ".join(words) + " "
        return {
            key
            for term in terms
            for key, pattern in self.patterns.get(term, ())
            if pattern in joined
        }


def _spellings(phrase: str) -> list[list[str]]:
    words = [w for w in (normalize_word(x) for x in split_words(phrase)) if w not in STOPWORDS]
    if not words:
        return []
    spellings = [words]
    if len(words) > 1 and all(is_hangul(w) for w in words):
        spellings.append(["".join(words)])
    return spellings
