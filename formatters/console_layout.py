"""Terminal layout: paragraphs wrapped at the terminal's width and aligned two-column lists.

Widths are terminal cells (a Hangul syllable is two). Wrapping never breaks a word or a URL,
keeps the spacing inside a line, and treats plain text and rich markup alike: markup is wrapped
by its visible text, so a colour terminal and a pipe show the same lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text

__all__ = ["WIDTH", "columns", "pack", "wrap"]

WIDTH = 96
"""The widest line, whatever the terminal: longer lines are hard to read."""

_WORD = re.compile(r"\S+")


def _breaks(plain: str, first: int, rest: int) -> list[tuple[int, int]]:
    """(start, end) of each line of one paragraph: `first` cells on line one, `rest` after."""
    lines: list[tuple[int, int]] = []
    start = end = -1
    room = first
    for word in _WORD.finditer(plain):
        if start < 0:
            start, end = word.start(), word.end()
        elif cell_len(plain[start : word.end()]) <= room:
            end = word.end()
        else:
            lines.append((start, end))
            start, end, room = word.start(), word.end(), rest
    if start >= 0:
        lines.append((start, end))
    return lines


def wrap(
    text: str,
    indent: str = "   ",
    *,
    first: str | None = None,
    width: int = WIDTH,
    markup: bool = False,
) -> str:
    """Each paragraph of `text` wrapped at `width` cells, lines prefixed with `indent`.

    `first` (default: `indent`) prefixes a paragraph's first line instead, for a hanging
    indent. With `markup`, `text` is rich markup and so is the result.
    """
    source = Text.from_markup(text) if markup else Text(text)
    head = indent if first is None else first
    out: list[Text] = []
    offset = 0
    for paragraph in source.plain.split("\n"):
        part = source[offset : offset + len(paragraph)]
        offset += len(paragraph) + 1
        spans = _breaks(paragraph, width - cell_len(head), width - cell_len(indent))
        if not spans:
            out.append(Text(head.rstrip()))
        for number, (start, end) in enumerate(spans):
            out.append(Text(head if number == 0 else indent) + part[start:end])
    joined = Text("\n").join(out)
    return joined.markup if markup else joined.plain


def pack(items: Sequence[str], separator: str = " · ", *, width: int = WIDTH) -> str:
    """Items (plain text, each kept whole) on as few lines of `width` cells as they fit."""
    lines: list[str] = []
    for item in items:
        if lines and cell_len(lines[-1] + separator + item) <= width:
            lines[-1] += separator + item
        else:
            lines.append(item)
    return "\n".join(lines)


def columns(
    rows: Sequence[tuple[str, str]],
    *,
    width: int = WIDTH,
    gap: int = 2,
    markup: bool = False,
    style_left: Callable[[str], str] = str,
) -> list[str]:
    """Two aligned columns; a long right cell wraps under its own column.

    With `markup` the cells are rich markup (measured by their visible text); `style_left`
    styles a left cell after it has been measured.
    """

    def cells(value: str) -> int:
        return cell_len(Text.from_markup(value).plain if markup else value)

    left = max((cells(a) for a, _ in rows if cells(a) <= width // 2), default=0)
    indent = " " * (left + gap)
    lines: list[str] = []
    for a, b in rows:
        right = wrap(b, indent, width=width, markup=markup) if b else ""
        if cells(a) > left:  # too wide for the column: the meaning goes under it
            lines.append(style_left(a) + ("\n" + right if right else ""))
        else:
            lines.append(style_left(a) + " " * (left - cells(a)) + right[left:])
    return lines
