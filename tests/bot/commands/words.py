"""What a command's catalogue lines say to a person, for tests that read the words."""

from __future__ import annotations

from collections.abc import Iterable

from bot.commands.channel import CommandResult
from bot.replies import Text
from formatters.i18n import catalogue


def said(lines: CommandResult | Text | Iterable[Text], locale: str = "en") -> str:
    """The lines as the renderer says them in `locale`, one per line."""
    if isinstance(lines, CommandResult):
        lines = lines.lines
    if isinstance(lines, Text):
        lines = (lines,)
    return "\n".join(catalogue().text(locale, line) for line in lines)
