"""Which notes the first k parts deliver, on the real Slack, Discord and terminal renderers.

Each note carries a marker only its own entry shows (in its commentary), so where each note
lands can be read off the payloads: a note is delivered by the first k parts exactly when the
parts showing its marker are among them (the header, first, lists titles only), in both
layouts: each payload reports the notes whose entry it holds. Commentaries of varied length
make the inline layouts pack several notes into a message and split elsewhere.
"""

from __future__ import annotations

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.delivery.delivered import delivered_notes
from bot.models import Digest, DigestDay, Layout, Note, Platform
from tests.formatters.renderers import RENDERERS

DAY = date(2024, 9, 20)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def marker(i: int) -> str:
    return f"zqmark{i:03d}zq"


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    count = draw(st.integers(min_value=1, max_value=16))
    lengths = draw(st.lists(st.integers(0, 3000), min_size=count, max_size=count))
    notes = tuple(
        Note(
            key=f"2024-09-20-n{i}",
            day=DAY,
            title=f"Paper number {i}",
            commentary=f"{marker(i)} " + "words of commentary " * (size // 20) + marker(i),
            tags=("rlhf",),
            position=i,
            retracted=draw(st.booleans()) if i else False,
        )
        for i, size in enumerate(lengths)
    )
    layout = draw(st.sampled_from(list(Layout)))
    return Digest(key="slot:1", days=(DigestDay(DAY, notes),), layout=layout, locale="en")


def expected(digest: Digest, payloads: list[str], sent: int) -> set[str]:
    """The live notes of the longest prefix whose markers are all in the first `sent` parts.

    A retracted note shows nothing of its own (no marker): only live notes are compared.
    """
    kept: set[str] = set()
    for i, note in enumerate(digest.notes):
        where = [n for n, text in enumerate(payloads) if marker(i) in text]
        if note.retracted:
            continue
        assert where, f"note {i} is in no part"
        if any(n >= sent for n in where):
            break
        kept.add(note.key)
    return kept


def check(platform: Platform, digest: Digest) -> None:
    renderer = RENDERERS[platform]
    payloads = [json.dumps(p.to_json(), ensure_ascii=False) for p in renderer.render_digest(digest)]
    for i, note in enumerate(digest.notes):  # the marker is the note's own content only
        if not note.retracted:
            assert marker(i) not in payloads[0] or digest.layout is Layout.INLINE
    live = {n.key for n in digest.notes if not n.retracted}
    keys = tuple(n.key for n in digest.notes)
    for sent in range(len(payloads) + 1):
        got = delivered_notes(renderer, digest, sent)
        want = expected(digest, payloads, sent)
        assert got == keys[: len(got)], "the delivered notes are a prefix of the digest"
        assert set(got) & live == want, (digest.layout, sent)


@SETTINGS
@given(digests())
def test_slack_parts_deliver_the_notes_they_show(digest: Digest) -> None:
    check(Platform.SLACK, digest)


@SETTINGS
@given(digests())
def test_discord_parts_deliver_the_notes_they_show(digest: Digest) -> None:
    check(Platform.DISCORD, digest)


@SETTINGS
@given(digests())
def test_terminal_parts_deliver_the_notes_they_show(digest: Digest) -> None:
    check(Platform.CONSOLE, digest)


def test_in_the_thread_layout_a_note_is_delivered_by_its_own_reply() -> None:
    notes = tuple(Note(key=f"k{i}", day=DAY, title=f"t{i}", position=i) for i in range(3))
    digest = Digest(key="slot:1", days=(DigestDay(DAY, notes),), layout=Layout.THREAD)
    renderer = RENDERERS[Platform.SLACK]
    assert len(renderer.render_digest(digest)) == 4  # the header, then one reply per note
    assert [delivered_notes(renderer, digest, sent) for sent in range(5)] == [
        (),
        (),  # the header alone lists every title but delivers none
        ("k0",),
        ("k0", "k1"),
        ("k0", "k1", "k2"),
    ]


def test_a_header_in_several_messages_delivers_no_note() -> None:
    notes = tuple(
        Note(key=f"k{i}", day=DAY, title=f"A rather long paper title number {i} " * 3, position=i)
        for i in range(60)
    )
    digest = Digest(key="slot:1", days=(DigestDay(DAY, notes),), layout=Layout.THREAD)
    renderer = RENDERERS[Platform.DISCORD]
    header = len(renderer.render_digest(digest)) - len(notes)
    assert header == 2  # the numbered list continues in the thread
    for sent, count in ((1, 0), (2, 0), (3, 1), (2 + 41, 41)):
        assert delivered_notes(renderer, digest, sent) == tuple(f"k{i}" for i in range(count))
