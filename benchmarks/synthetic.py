"""A synthetic notes corpus of any size, assembled from the pieces of the real seed notes.

Titles, sentences, authors and tags are drawn from seeds/ (so Korean and English text, term
frequencies and note lengths look like the real thing), plus a few invented words per note so the
vocabulary keeps growing with the corpus as a real one does. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.ingest.identity import NoteIdentity
from bot.ingest.parser import parse_notes
from bot.models import Note, NoteSource

__all__ = ["Pools", "synthetic_days"]

_SENTENCE = re.compile(r"(?<=[.!?다요죠])\s+")
_SYLLABLES = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로모보소오조초코토포호"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Pools:
    """What synthetic notes are made of."""

    title_words: tuple[str, ...]
    abstract_sentences: tuple[str, ...]
    commentary_sentences: tuple[str, ...]
    authors: tuple[str, ...]
    tags: tuple[str, ...]

    @classmethod
    def from_seeds(cls, seeds: Path) -> Pools:
        notes = [
            n
            for p in sorted(seeds.glob("*.txt"))
            for n in parse_notes(p.read_bytes(), p.name).notes
        ]
        return cls(
            title_words=tuple(w for n in notes for w in n.title.split()),
            abstract_sentences=tuple(s for n in notes for s in _SENTENCE.split(n.abstract) if s),
            commentary_sentences=tuple(
                s for n in notes for s in _SENTENCE.split(n.commentary) if s
            ),
            authors=tuple(a for n in notes for a in n.authors),
            tags=tuple(t for n in notes for t in n.tags),
        )


def _invented(rng: random.Random) -> tuple[str, str]:
    latin = "".join(rng.choice(_LETTERS) for _ in range(rng.randint(5, 9)))
    hangul = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return latin, hangul


def _note(rng: random.Random, pools: Pools, day: date, position: int, ids: NoteIdentity) -> Note:
    latin, hangul = _invented(rng)
    title = " ".join([*rng.sample(pools.title_words, rng.randint(5, 9)), latin.capitalize()])
    abstract = (
        " ".join(rng.sample(pools.abstract_sentences, rng.randint(4, 8)))
        if rng.random() < 0.7
        else ""
    )
    commentary = " ".join(
        [*rng.sample(pools.commentary_sentences, rng.randint(3, 6)), f"{hangul}에 대한 이야기."]
    )
    return Note(
        key=ids.key_for(title),
        day=day,
        title=title,
        authors=tuple(rng.sample(pools.authors, rng.randint(1, 8))),
        abstract=abstract,
        commentary=commentary,
        tags=tuple(dict.fromkeys(rng.sample(pools.tags, rng.randint(1, 3)))),
        source=NoteSource(f"synthetic/{day.isoformat()}.txt", position + 1),
        position=position,
    )


def synthetic_days(
    entries: int, pools: Pools, *, per_day: int = 14, seed: int = 7
) -> Iterator[tuple[date, list[Note]]]:
    """`entries` notes as daily files of `per_day` notes, oldest day first."""
    rng = random.Random(seed)
    day = date(2015, 1, 1)
    made = 0
    while made < entries:
        count = min(per_day, entries - made)
        ids = NoteIdentity(day)
        yield day, [_note(rng, pools, day, i, ids) for i in range(count)]
        made += count
        day += timedelta(days=1)
