"""Plain-text rendering of notes for the terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import date

from bot.models import Note

__all__ = ["render_day_text"]

_ABSTRACT_CHARS = 400


def _authors(note: Note) -> str:
    shown = ", ".join(note.authors[:3])
    extra = len(note.authors) - 3
    return f"{shown} +{extra}" if extra > 0 else shown


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def render_day_text(day: date, notes: Sequence[Note]) -> str:
    """One notes day as readable text: a header, then each note with authors, tags and comments."""
    lines = [f"📚 Paper notes · {day.isoformat()} · {len(notes)} papers", ""]
    for number, note in enumerate(notes, start=1):
        lines.append(f"{number}. {note.title}")
        meta = [part for part in (_authors(note), " ".join(f"#{t}" for t in note.tags)) if part]
        if meta:
            lines.append("   " + " · ".join(meta))
        if note.links:
            lines.append(f"   {note.links[0]}")
        for paragraph in note.commentary.splitlines():
            lines.extend(
                textwrap.wrap(paragraph, width=96, initial_indent="   ", subsequent_indent="   ")
            )
        if note.abstract:
            lines.extend(
                textwrap.wrap(
                    _trim(note.abstract, _ABSTRACT_CHARS),
                    width=96,
                    initial_indent="   > ",
                    subsequent_indent="   > ",
                )
            )
        lines.append(f"   id: {note.key}")
        lines.append("")
    return "\n".join(lines)
