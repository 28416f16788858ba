"""What the command core answers: one view (data, not text) and who may see it.

Formatters render views per platform and language; the core never formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.models import Note
from bot.search.models import SearchPage, TagCount

__all__ = [
    "EntryView",
    "ErrorView",
    "HelpTopic",
    "HelpView",
    "Reply",
    "SearchResultsView",
    "TagListView",
    "View",
    "Visibility",
]


class Visibility(StrEnum):
    """Who sees a reply: the asker only, or the whole channel."""

    EPHEMERAL = "ephemeral"
    IN_CHANNEL = "in_channel"


@dataclass(frozen=True, slots=True)
class SearchResultsView:
    """A page of results (5 entries), the total, and cursors in `page`."""

    page: SearchPage


@dataclass(frozen=True, slots=True)
class EntryView:
    """One note in full (`id:`); `retracted` notes are shown with a notice."""

    note: Note


@dataclass(frozen=True, slots=True)
class TagListView:
    """Tags with their note counts, most used first."""

    tags: tuple[TagCount, ...]


@dataclass(frozen=True, slots=True)
class HelpTopic:
    """One line of help: an example of the syntax and what it does, in the reply's language."""

    syntax: str
    meaning: str


@dataclass(frozen=True, slots=True)
class HelpView:
    """The grammar with examples."""

    topics: tuple[HelpTopic, ...]


@dataclass(frozen=True, slots=True)
class ErrorView:
    """What was wrong with the input, and three queries that work."""

    problem: str
    examples: tuple[str, ...]


View = SearchResultsView | EntryView | TagListView | HelpView | ErrorView


@dataclass(frozen=True, slots=True)
class Reply:
    """A view, its visibility and the language to render it in."""

    view: View
    locale: str = "ko"
    visibility: Visibility = Visibility.EPHEMERAL
