"""Digest building from candidates, and rebuilding a run from its snapshot (pure)."""

from dataclasses import replace
from datetime import date

from bot.digest.build import (
    Backfill,
    DigestSpec,
    RunSnapshot,
    build_digest,
    rebuild_digest,
    start_day_for,
)
from bot.digest.filters import parse_tag_filter
from bot.models import Layout
from tests.support.delivery import note

D1, D2, D3 = date(2024, 9, 18), date(2024, 9, 19), date(2024, 9, 20)


def spec(filter_text: str = "", cap: int | None = None) -> DigestSpec:
    return DigestSpec(key="slot:x", tag_filter=parse_tag_filter(filter_text), max_entries=cap)


NOTES = [
    note(D3, "c", "rl", position=0),
    note(D1, "a", "rl", position=0),
    note(D2, "b2", "survey", position=1),
    note(D2, "b1", "rl", position=0),
]


def test_oldest_day_first_grouped_by_day() -> None:
    digest = build_digest(spec(), NOTES)
    assert digest is not None
    assert [d.day for d in digest.days] == [D1, D2, D3]
    assert [n.title for n in digest.notes] == ["a", "b1", "b2", "c"]


def test_filtered_notes_are_left_out() -> None:
    digest = build_digest(spec("tag:rl -tag:survey"), NOTES)
    assert digest is not None
    assert [n.title for n in digest.notes] == ["a", "b1", "c"]
    assert digest.filter_text == "tag:rl -tag:survey"


def test_cap_keeps_oldest_and_counts_overflow() -> None:
    digest = build_digest(spec(cap=2), NOTES)
    assert digest is not None
    assert [n.title for n in digest.notes] == ["a", "b1"]
    assert digest.overflow == 2


def test_nothing_matching_is_none() -> None:
    assert build_digest(spec(), []) is None
    assert build_digest(spec("tag:nowhere"), NOTES) is None


def test_backfill_start_days() -> None:
    assert start_day_for(Backfill.NEWEST, D3) == D3
    assert start_day_for(Backfill.ALL, D3) is None
    assert start_day_for(Backfill.NONE, D3) == date(2024, 9, 21)
    assert start_day_for(Backfill.NEWEST, None) is None


def test_a_snapshot_rebuilds_the_digest_it_was_taken_from() -> None:
    built_spec = replace(spec("tag:rl", cap=2), locale="en", layout=Layout.INLINE)
    digest = build_digest(built_spec, NOTES)
    assert digest is not None
    snapshot = RunSnapshot.of(built_spec, digest, empty_message=True)
    assert snapshot.note_keys == ("2024-09-18-a", "2024-09-19-b1")
    assert (snapshot.max_entries, snapshot.empty_message) == (2, True)
    assert rebuild_digest("slot:x", snapshot, reversed(NOTES)) == digest


def test_rebuild_keeps_the_stored_order_whatever_the_notes_say_now() -> None:
    snapshot = RunSnapshot(note_keys=("2024-09-19-b2", "2024-09-19-b1", "2024-09-18-a"))
    moved = [replace(n, position=9 - i) for i, n in enumerate(NOTES)]  # the file was reordered
    gone = replace(NOTES[3], retracted=True)
    digest = rebuild_digest("slot:x", snapshot, [*moved[:3], gone])
    assert [n.key for n in digest.notes] == list(snapshot.note_keys)
    assert [n.retracted for n in digest.notes] == [False, True, False]
    assert [d.day for d in digest.days] == [D2, D1]


def test_an_empty_snapshot_rebuilds_a_digest_with_no_days() -> None:
    snapshot = RunSnapshot.of(spec(), None, empty_message=True)
    assert snapshot.note_keys == ()
    assert rebuild_digest("slot:x", snapshot, NOTES).days == ()
