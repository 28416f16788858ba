"""Text as search sees it: folding, tokens, Hangul bigrams, a light English stemmer.

The same functions build the index at ingest and read queries, so a query term and an indexed
term always meet. Hangul is indexed as character bigrams (plus the first syllable of each word),
so `평가를` and `평가` share the bigram `평가` whatever particle follows; Latin words are
lower-cased and lightly stemmed (`averaging`, `averaged`, `average` → `averag`), and queries
may use prefixes.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MAX_TERM_CHARS",
    "PARTICLES",
    "STOPWORDS",
    "fold",
    "full_width_digits",
    "hangul_terms",
    "is_hangul",
    "normalize_phrase",
    "split_words",
    "stem",
    "strip_particles",
]

MAX_TERM_CHARS = 64
"""Longer tokens (hashes, run-together URLs) are cut; nobody types 64 characters of one word."""

_WORD = re.compile(r"[\uac00-\ud7a3]+|[^\W_\uac00-\ud7a3]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]+")
_ACCENTED = re.compile(r"[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]+")

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def full_width_digits(text: str) -> str:
    """`text` with full-width digits (U+FF10-FF19, what a Korean IME types in full-width
    mode) as 0-9: how `/paper` reads the numbers people type (dates, pages, times of day).
    Other scripts' digits are left for the caller to refuse (`bot.errors.not_ascii_digit`)."""
    return text.translate(_FULL_WIDTH_DIGITS)


_STOPWORDS_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or that the their this "
    "to was we were which with via"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
"""English words too common to help ranking; dropped from the index and from queries."""

_PARTICLES_TEXT = (
    "에서는 으로는 에게서 이라는 이라고 에서도 으로도 에서 에게 으로 까지 부터 처럼 보다 "
    "이나 라는 라고 에는 과는 와는 이며 이고 하는 하고 하기 했다 한다 하다 된다 되는 적인 "
    "적으로 들이 들을 들은 들의 들도 을 를 이 가 은 는 의 에 로 와 과 도 만 들 한"
)
_PARTICLES = tuple(sorted(_PARTICLES_TEXT.split(), key=len, reverse=True))
"""Korean particles and common endings, longest first, stripped from query words."""

PARTICLES = frozenset(_PARTICLES)


def _strip_accents(match: re.Match[str]) -> str:
    decomposed = unicodedata.normalize("NFKD", match.group())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(text: str) -> str:
    """NFKC, case-folded, accents removed (`Ramé` → `rame`); Hangul syllables kept whole.

    Only accented Latin runs are decomposed: decomposing whole texts would split every Hangul
    syllable into jamo and cost more than the rest of indexing.
    """
    if text.isascii():
        return text.lower()
    return _ACCENTED.sub(_strip_accents, unicodedata.normalize("NFKC", text).casefold())


def split_words(text: str) -> list[str]:
    """Folded words: runs of Hangul, or runs of other letters and digits (`MoE의` → moe, 의)."""
    return _WORD.findall(fold(text))


def is_hangul(word: str) -> bool:
    """True for a run of Hangul syllables (as `split_words` yields them)."""
    return _HANGUL.fullmatch(word) is not None


def normalize_phrase(text: str) -> str:
    """Words joined by single spaces: what exact-phrase matching compares."""
    return " ".join(split_words(text))


def hangul_terms(word: str) -> list[str]:
    """Index terms of a Hangul word: its first syllable, then every character bigram."""
    return [word[0], *(word[i : i + 2] for i in range(len(word) - 1))]


def strip_particles(word: str) -> str:
    """A Korean query word without its trailing particle or ending (`평가를` → `평가`).

    Strips at most two suffixes and never below two syllables, so `평가` stays `평가`.
    """
    for _ in range(2):
        for suffix in _PARTICLES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


def stem(word: str) -> str:
    """A light English stemmer: plurals, `-ing`, `-ed` and a final `-e` removed.

    Deliberately weak (no Porter rules): it must be predictable, because queries also match by
    prefix, and it must never merge unrelated words.
    """
    if len(word) <= 3 or not (word.isascii() and word.isalpha()):
        return word[:MAX_TERM_CHARS]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 5:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word[:MAX_TERM_CHARS]
