"""Which papers a posted message shows, asked of each real renderer: a thread reply shows its
paper, the header shows none, an inline message its entries (never the header's list)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.models import Digest, Layout, Platform
from bot.payloads import ConsolePayload
from bot.subscriptions.parts import part_notes
from tests.formatters.renderers import RENDERERS
from tests.support.digests import crafted_digest, crafted_note

NOTES = [crafted_note(n, tags=(f"t{n}",)) for n in range(1, 5)]


@pytest.mark.parametrize("platform", list(Platform))
def test_a_thread_reply_shows_its_paper_and_the_header_none(platform: Platform) -> None:
    renderer = RENDERERS[platform]
    digest = crafted_digest(NOTES, layout=Layout.THREAD)
    parts = renderer.render_digest(digest)
    assert len(parts) == 1 + len(NOTES)
    assert part_notes(renderer, digest, 0) == ()
    for number, note in enumerate(NOTES, 1):
        assert part_notes(renderer, digest, number) == (note,)
    assert part_notes(renderer, digest, len(parts)) == ()


@pytest.mark.parametrize("platform", list(Platform))
def test_an_inline_message_of_several_papers_with_their_list_names_none(
    platform: Platform,
) -> None:
    renderer = RENDERERS[platform]
    digest = crafted_digest(NOTES, layout=Layout.INLINE)
    assert len(renderer.render_digest(digest)) == 1
    assert part_notes(renderer, digest, 0) == ()
    single = crafted_digest(NOTES[:1], layout=Layout.INLINE)
    assert part_notes(renderer, single, 0) == (NOTES[0],)


def test_a_retracted_paper_is_followed_by_no_one() -> None:
    renderer = RENDERERS[Platform.SLACK]
    digest = crafted_digest([NOTES[0], replace(NOTES[1], retracted=True)])
    assert part_notes(renderer, digest, 2) == ()


class SplittingRenderer:
    """A header, then one reply per paper, two for a paper whose title is long."""

    def render_digest(self, digest: Digest) -> list[ConsolePayload]:
        parts = [ConsolePayload(" ".join(n.title for n in digest.notes))]
        for note in digest.notes:
            text = "retracted" if note.retracted else note.title
            parts.append(ConsolePayload(text, thread=True))
            if len(text) > 20:
                parts.append(ConsolePayload(text + " (continued)", thread=True))
        return parts


def test_a_paper_over_two_messages_is_either_and_the_papers_after_it_stay_theirs() -> None:
    long = replace(NOTES[1], title="A title long enough to take two messages")
    notes = [NOTES[0], long, NOTES[2]]
    digest = crafted_digest(notes)
    renderer = SplittingRenderer()
    assert len(renderer.render_digest(digest)) == 5
    assert [part_notes(renderer, digest, n) for n in range(5)] == [
        (),
        (NOTES[0],),
        (long,),
        (long,),
        (NOTES[2],),
    ]
