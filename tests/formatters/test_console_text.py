"""ConsoleRenderer: the same structure as the chat platforms, plain and rich."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rich.cells import cell_len
from rich.text import Text

from bot.commands.help import help_view
from bot.models import Layout
from bot.replies import Reply, TagListView
from formatters.console_text import ConsoleRenderer
from formatters.i18n import catalogue
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


def _cells(text: str) -> list[int]:
    return [cell_len(line) for line in text.splitlines()]


def test_help_is_two_aligned_columns_in_both_languages() -> None:
    for locale in ("en", "ko"):
        view = help_view(locale)
        text = RENDER.render_reply(Reply(view, locale=locale)).plain
        starts = set()
        for example, meaning in view.lines():
            said = catalogue().text(locale, meaning) if meaning else ""
            [row] = [line for line in text.splitlines() if line.startswith(f"  {example}  ")]
            starts.add(cell_len(row[: row.index(said.split()[0], 2 + len(example))]))
        assert starts == {cell_len(max(view.examples, key=cell_len)) + 4}, (locale, text)


def test_long_tag_and_title_lines_wrap_at_the_width_like_the_body() -> None:
    tags = tuple(f"topic-number-{n}" for n in range(30))
    note = crafted_note(1, title="A rather long title " * 6, tags=tags)
    for width in (96, 60):
        renderer = ConsoleRenderer(width=width)
        header, entry = renderer.render_digest(crafted_digest([note]))
        for part in (header, entry):
            assert max(_cells(part.plain)) <= width
            assert Text.from_markup(part.rich).plain == part.plain
        assert "#topic-number-29" in header.plain  # every tag still shown, none cut
        assert not any(line.endswith("#topic-") for line in header.plain.splitlines())


def test_the_tag_list_keeps_each_tag_and_count_on_one_line() -> None:
    view = TagListView(tuple((f"tag-{n:02d}", n) for n in range(60)))
    text = ConsoleRenderer(width=50).render_reply(Reply(view, locale="en")).plain
    assert max(_cells(text)) <= 50
    for n in range(60):
        assert f"#tag-{n:02d} ({n})" in text
