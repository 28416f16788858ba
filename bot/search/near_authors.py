"""Authors near an `author:` filter no note's authors match: what `/paper author:hintno`
offers instead (`Geoffrey Hinton`).

Pure. Names are compared as `author:` matches them: folded (case and Latin accents gone,
`normalize_phrase`), so `Velickovic` is near `Veličković`, and decomposed (`bot.search.near`),
so a Hangul name counts its jamo. A team's notes name far more authors than they have tags,
so not every name is compared: the index's vocabulary lists each word of the names notes have
with its number of notes (`@hinton`), those words nearest each word of the filter are picked
first (`near_parts`), and only the names of notes with one of them are read and compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, zip_longest

from bot.search.index_terms import author_term
from bot.search.models import AuthorCount
from bot.search.near import NEAR_CUTOFF, nearest
from bot.search.text import normalize_phrase

__all__ = ["MAX_NAME_NOTES", "NEAREST_AUTHORS", "NEAR_PARTS", "near_parts", "nearest_authors"]

NEAREST_AUTHORS = 3
"""Authors offered at most, as many as tags."""

NEAR_PARTS = 5
"""Name words picked for each word of the filter, nearest first."""

MAX_NAME_NOTES = 2000
"""Notes whose names are read, at most, past the first word picked: the bound on what one
offer reads (the vocabulary tells each word's notes before any is read)."""


def near_parts(
    author: str,
    parts: Mapping[str, int],
    *,
    per_part: int = NEAR_PARTS,
    budget: int = MAX_NAME_NOTES,
) -> list[str]:
    """The name words notes have (`parts`: word → notes) nearest the words of `author`,
    nearest first, each word of `author` in turn; taken while their notes add up to `budget`,
    and the nearest one whatever its notes."""
    ranked = [
        nearest(word, (((p,), n) for p, n in parts.items()), normalize_phrase, limit=per_part)
        for word in normalize_phrase(author).split()
    ]
    picked: list[str] = []
    notes = 0
    for found in dict.fromkeys(chain.from_iterable(zip_longest(*ranked))):
        if found is None or found[0] in picked:
            continue
        part, count = found
        if picked and notes + count > budget:
            break
        picked.append(part)
        notes += count
    return picked


def nearest_authors(
    author: str,
    author_lists: Iterable[Sequence[str]],
    parts: Sequence[str],
    *,
    limit: int = NEAREST_AUTHORS,
    cutoff: float = NEAR_CUTOFF,
) -> list[AuthorCount]:
    """The names most like `author`, most similar first, then most noted, then by name.

    `author_lists` are the authors of the notes that have one of `parts` (`near_parts`), a
    list a note; only names with one of those words are counted, since every note naming
    them was read. A name is counted once a note, written as most of its notes write it.
    A one-word filter (`author:hintno`) is compared with each word of a name too, and
    offered the whole name; a filter of several words with the whole name only.
    """
    terms = {author_term(p) for p in parts}
    keys: dict[str, str | None] = {}  # a name as written → its key, None without a part read
    spellings: dict[str, Counter[str]] = {}
    for names in author_lists:
        counted = set()
        for name in names:
            if name not in keys:
                keys[name] = _key_with(name, terms)
            if (key := keys[name]) is not None and key not in counted:
                counted.add(key)
                spellings.setdefault(key, Counter())[name] += 1
    one_word = len(normalize_phrase(author).split()) == 1
    candidates = []
    for key, written in spellings.items():
        name = min(written, key=lambda w: (-written[w], w))
        forms = (name, *key.split()) if one_word else (name,)
        candidates.append((forms, written.total()))
    near = nearest(author, candidates, normalize_phrase, limit=limit, cutoff=cutoff, by_first=True)
    return [AuthorCount(name, count) for name, count in near]


def _key_with(name: str, terms: set[str]) -> str | None:
    """The name's key when one of its words is among `terms` (so all its notes were read)."""
    key = normalize_phrase(name)
    return key if terms.intersection(map(author_term, key.split())) else None
