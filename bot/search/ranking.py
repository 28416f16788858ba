"""Ranking policy: from planned concepts and what the index knows to a typed read plan.

The plan says, as data, which posting lists each concept reads (the rarest slot driving, the
others joined to it), with which integer multipliers, how the concepts combine (one list, a
join on the note, a grouped union), and what was left out to keep the cost bounded. The SQL is
generated from it (`bot.search.index_sql`); every choice is made here, on the plan.

Bounds (a query may be 500 characters): identical concepts are folded by the planner; a
concept reads at most `MAX_SLOTS` slots and `MAX_PAIRS` word pairs (the rarest), at most
`MAX_ALTERNATIVES` alternatives; a query ranks by at most `MAX_CONCEPTS` concepts (the
rarest), and notes matching *any* of them read at most about `ANY_POSTINGS` postings.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.search.plan import Alternative, Concept, Slot

__all__ = [
    "ANY_POSTINGS",
    "EXACT_PRECISION",
    "JOIN_TABLES",
    "MAX_ALTERNATIVES",
    "MAX_CONCEPTS",
    "MAX_PAIRS",
    "MAX_SLOTS",
    "PREFIX_PRECISION",
    "AlternativeRead",
    "Combine",
    "ConceptRead",
    "RankPass",
    "RankPlan",
    "SlotRead",
    "TermRead",
    "Terms",
    "idf",
    "rank_plan",
]

EXACT_PRECISION, PREFIX_PRECISION = 5, 3

MAX_CONCEPTS = 5
"""Concepts a query ranks by; the commoner ones add little (low idf) and cost the most."""

MAX_SLOTS = 6
"""Scored slots per alternative (the rarest): a 7-syllable Korean word has 6 bigrams."""

MAX_PAIRS = 4
"""Word pairs a phrase must hold (the rarest); beyond them the text is checked."""

MAX_ALTERNATIVES = 8
"""Ways one concept may be said (a glossary group's members when its term is not indexed)."""

ANY_POSTINGS = 60_000
"""When no note has every concept, the notes with any are read from the rarest concepts up
to about this many postings (always at least the rarest one)."""

JOIN_TABLES = 40
"""Posting reads one join may hold; larger plans group a union instead (SQLite refuses joins
of more than 64 tables, and PostgreSQL plans big joins slowly)."""

Terms = list[tuple[str, int, int]]
"""(term, document frequency, precision) of what one slot matches."""


def idf(df: int, total: int) -> int:
    """BM25's idf, times 100, as an integer (at least 1)."""
    return max(1, round(100 * math.log(1 + (total - df + 0.5) / (df + 0.5))))


@dataclass(frozen=True, slots=True)
class TermRead:
    """One posting list, each posting's weight multiplied by `multiplier` (0: a filter)."""

    term: str
    multiplier: int
    df: int


@dataclass(frozen=True, slots=True)
class SlotRead:
    """One slot: the best of its terms per note (several for an expanded prefix)."""

    terms: tuple[TermRead, ...]

    @property
    def postings(self) -> int:
        """How many postings reading the slot costs."""
        return sum(t.df for t in self.terms)

    @property
    def single(self) -> bool:
        """One term: a direct primary-key lookup, one row per note without grouping."""
        return len(self.terms) == 1


@dataclass(frozen=True, slots=True)
class AlternativeRead:
    """Notes holding the driver (the rarest read) and every joined slot, and the phrase if
    one must be checked in the text. `cost` is the driver's postings."""

    driver: SlotRead
    joined: tuple[SlotRead, ...] = ()
    phrase: str | None = None

    @property
    def cost(self) -> int:
        return self.driver.postings

    @property
    def tables(self) -> int:
        """Tables the read joins."""
        return 1 + len(self.joined) + (self.phrase is not None)

    @property
    def one_row_per_note(self) -> bool:
        return self.driver.single and all(s.single for s in self.joined)

    @property
    def plain(self) -> bool:
        """A single posting list read as it is stored."""
        return self.driver.single and not self.joined and self.phrase is None


@dataclass(frozen=True, slots=True)
class ConceptRead:
    """A concept's alternatives as reads; a note scores by its best one."""

    label: str
    alternatives: tuple[AlternativeRead, ...]

    @property
    def cost(self) -> int:
        return sum(a.cost for a in self.alternatives)

    @property
    def tables(self) -> int:
        return sum(a.tables for a in self.alternatives)

    @property
    def one_row_per_note(self) -> bool:
        """No grouping needed: one alternative whose every slot is one term."""
        return len(self.alternatives) == 1 and self.alternatives[0].one_row_per_note


class Combine(enum.Enum):
    """How a pass's concepts make one ranking."""

    SINGLE = "single"
    """One concept."""
    ALL_JOINED = "all-joined"
    """Every concept, joined on the note to the rarest (each other gives one row per note)."""
    ALL_GROUPED = "all-grouped"
    """Every concept: the rarest computed once, the others read for its notes, grouped."""
    ANY = "any"
    """Any concept, grouped by note; more concepts matched multiply the sum."""


@dataclass(frozen=True, slots=True)
class RankPass:
    """One ranking over `concepts` (the rarest first when they must all match)."""

    concepts: tuple[ConceptRead, ...]
    combine: Combine

    @property
    def count_in_page(self) -> bool:
        """A ranking that groups or joins postings would do that work twice with a separate
        count; only a single posting-list read is cheap to count on its own."""
        if self.combine is not Combine.SINGLE:
            return True
        alternatives = self.concepts[0].alternatives
        return not (len(alternatives) == 1 and alternatives[0].plain)

    @property
    def tables(self) -> int:
        return sum(c.tables for c in self.concepts)

    @property
    def driver_postings(self) -> int:
        """Postings the pass reads to find its notes: the rarest concept's when every concept
        must match (the others are looked up for its notes), every concept's otherwise."""
        if self.combine in (Combine.ALL_JOINED, Combine.ALL_GROUPED):
            return self.concepts[0].cost
        return sum(c.cost for c in self.concepts)


@dataclass(frozen=True, slots=True)
class RankPlan:
    """Passes tried in order until one finds notes; what the bounds left out, by label."""

    passes: tuple[RankPass, ...]
    dropped: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()


def rank_plan(
    concepts: Sequence[Concept], vocabulary: Mapping[Slot, Terms], total_docs: int
) -> RankPlan:
    """Notes with every concept first (when there are several and each matches something),
    then notes with any. Concepts are ranked rarest first, ties in query order."""
    reads = [_concept_read(c, vocabulary, total_docs) for c in concepts]
    matched = [r for r in reads if r.alternatives]
    unmatched = tuple(r.label for r in reads if not r.alternatives)
    order = sorted(range(len(matched)), key=lambda i: (matched[i].cost, i))
    kept = sorted(order[:MAX_CONCEPTS])
    dropped = tuple(matched[i].label for i in sorted(order[MAX_CONCEPTS:]))
    passes: list[RankPass] = []
    if len(concepts) > 1 and not unmatched and len(kept) > 1:
        passes.append(_all_pass([matched[i] for i in order[:MAX_CONCEPTS]]))
    if kept:
        passes.append(_any_pass([matched[i] for i in kept]))
    return RankPlan(tuple(passes), dropped, unmatched)


def _all_pass(by_rarity: list[ConceptRead]) -> RankPass:
    joined = all(c.one_row_per_note for c in by_rarity[1:])
    if joined and sum(c.tables for c in by_rarity) <= JOIN_TABLES:
        return RankPass(tuple(by_rarity), Combine.ALL_JOINED)
    return RankPass(tuple(by_rarity), Combine.ALL_GROUPED)


def _any_pass(concepts: list[ConceptRead]) -> RankPass:
    if len(concepts) == 1:
        return RankPass(tuple(concepts), Combine.SINGLE)
    order = sorted(range(len(concepts)), key=lambda i: (concepts[i].cost, i))
    chosen, postings = [order[0]], concepts[order[0]].cost
    for i in order[1:]:
        if postings + concepts[i].cost > ANY_POSTINGS:
            break
        chosen.append(i)
        postings += concepts[i].cost
    picked = tuple(concepts[i] for i in sorted(chosen))
    return RankPass(picked, Combine.SINGLE if len(picked) == 1 else Combine.ANY)


def _concept_read(concept: Concept, vocabulary: Mapping[Slot, Terms], total: int) -> ConceptRead:
    reads: list[AlternativeRead] = []
    for alternative in concept.alternatives:
        read = _alternative_read(alternative, vocabulary, total)
        if read is not None:
            reads.append(read)
            continue
        for fallback in alternative.fallback:
            if (found := _alternative_read(fallback, vocabulary, total)) is not None:
                reads.append(found)
    return ConceptRead(concept.label, tuple(reads[:MAX_ALTERNATIVES]))


def _rarest(slots: list[Terms], keep: int) -> list[Terms]:
    """The `keep` rarest slots, in their original order."""
    order = sorted(range(len(slots)), key=lambda i: (sum(df for _, df, _ in slots[i]), i))
    return [slots[i] for i in sorted(order[:keep])]


def _alternative_read(
    alternative: Alternative, vocabulary: Mapping[Slot, Terms], total: int
) -> AlternativeRead | None:
    """The rarest slot drives; every other slot is a join on (term, doc), the postings'
    primary key. A phrase's word pairs filter (multiplier 0), the rarest pair driving. None
    when some slot matches nothing."""
    slots = [vocabulary[s] for s in alternative.slots]
    filters = [vocabulary[s] for s in alternative.filters]
    if any(not terms for terms in (*slots, *filters)):
        return None
    phrase = alternative.phrase
    if len(slots) > MAX_SLOTS or len(filters) > MAX_PAIRS:
        phrase = phrase or alternative.check
        slots, filters = _rarest(slots, MAX_SLOTS), _rarest(filters, MAX_PAIRS)
    weights = [_slot_read(t, alternative.factor, len(slots), total) for t in slots]
    if filters:
        filters.sort(key=lambda terms: (terms[0][1], terms[0][0]))
        pairs = [SlotRead((TermRead(t[0][0], 0, t[0][1]),)) for t in filters]
        return AlternativeRead(pairs[0], (*weights, *pairs[1:]), phrase)
    weights.sort(key=lambda read: (read.postings, read.terms[0].term))
    return AlternativeRead(weights[0], tuple(weights[1:]), phrase)


def _slot_read(terms: Terms, factor: int, slots: int, total: int) -> SlotRead:
    return SlotRead(
        tuple(
            TermRead(term, max(1, round(factor * precision * idf(df, total) / slots)), df)
            for term, df, precision in terms
        )
    )
