from datetime import date

from bot.digest.build import Backfill, DigestSpec, build_digest, start_day_for
from bot.digest.filters import parse_tag_filter
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
    digest = build_digest(spec(), NOTES, delivered=set(), start_day=None)
    assert digest is not None
    assert [d.day for d in digest.days] == [D1, D2, D3]
    assert [n.title for n in digest.notes] == ["a", "b1", "b2", "c"]


def test_delivered_retracted_and_filtered_notes_are_left_out() -> None:
    retracted = note(D3, "gone", "rl", position=1)
    retracted = type(retracted)(**{**_fields(retracted), "retracted": True})
    digest = build_digest(
        spec("tag:rl -tag:survey"),
        [*NOTES, retracted],
        delivered={NOTES[1].key},
        start_day=None,
    )
    assert digest is not None
    assert [n.title for n in digest.notes] == ["b1", "c"]
    assert digest.filter_text == "tag:rl -tag:survey"


def test_cap_keeps_oldest_and_counts_overflow() -> None:
    digest = build_digest(spec(cap=2), NOTES, delivered=set(), start_day=None)
    assert digest is not None
    assert [n.title for n in digest.notes] == ["a", "b1"]
    assert digest.overflow == 2


def test_nothing_new_is_none() -> None:
    keys = {n.key for n in NOTES}
    assert build_digest(spec(), NOTES, delivered=keys, start_day=None) is None


def test_start_day_limits_history() -> None:
    digest = build_digest(spec(), NOTES, delivered=set(), start_day=D3)
    assert digest is not None
    assert [n.title for n in digest.notes] == ["c"]


def test_backfill_start_days() -> None:
    assert start_day_for(Backfill.NEWEST, D3) == D3
    assert start_day_for(Backfill.ALL, D3) is None
    assert start_day_for(Backfill.NONE, D3) == date(2024, 9, 21)
    assert start_day_for(Backfill.NEWEST, None) is None


def _fields(n: object) -> dict[str, object]:
    return {name: getattr(n, name) for name in n.__slots__}  # type: ignore[attr-defined]
