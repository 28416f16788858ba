"""ConsoleRenderer: the same structure as the chat platforms, plain and rich."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rich.text import Text

from bot.models import Layout
from formatters.console_text import ConsoleRenderer
from tests.support.digests import crafted_digest, crafted_note

RENDER = ConsoleRenderer()


def test_thread_layout_has_a_header_and_one_part_per_note() -> None:
    parts = RENDER.render_digest(crafted_digest([crafted_note(1), crafted_note(2)]))
    assert [p.thread for p in parts] == [False, True, True]
    assert " 1. Paper 1" in parts[0].plain
    assert "id: 2024-09-20-paper-2" in parts[2].plain


def test_inline_layout_is_one_part() -> None:
    digest = crafted_digest([crafted_note(1), crafted_note(2)], layout=Layout.INLINE)
    [part] = RENDER.render_digest(digest)
    assert "Paper 1" in part.plain and "Paper 2" in part.plain


def test_rich_markup_renders_to_the_plain_text() -> None:
    note = crafted_note(1, title="[bold]not markup[/] \x1b[31mred", commentary="가" * 300)
    for part in RENDER.render_digest(crafted_digest([note])):
        assert Text.from_markup(part.rich).plain == part.plain


def test_control_characters_are_removed() -> None:
    note = crafted_note(1, title="evil \x1b]0;title\x07 title")
    assert "\x1b" not in RENDER.render_digest(crafted_digest([note]))[1].plain


def test_a_digest_over_several_days_names_the_range_and_overflow() -> None:
    first = crafted_digest([crafted_note(1)])
    later = replace(first.days[0], day=date(2024, 9, 21))
    digest = replace(first, days=(first.days[0], later), overflow=2, locale="en")
    header = RENDER.render_digest(digest)[0].plain
    assert header.startswith("📚 Paper notes · 2024-09-20 – 2024-09-21 · 2 papers")
    assert "+2 more matching notes: /paper since:2024-09-20" in header
