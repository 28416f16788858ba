"""Command results as neutral views: what the command core returns and renderers draw.

Kept platform-free and minimal so the command core (search, tags, help) and the renderers can
meet here without knowing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Note

__all__ = [
    "ErrorView",
    "HelpView",
    "MessageView",
    "NoteView",
    "Reply",
    "SearchResultsView",
    "TagListView",
    "View",
]


@dataclass(frozen=True, slots=True)
class SearchResultsView:
    """One page of search hits; cursors are opaque tokens the command core reads back."""

    query_text: str
    notes: tuple[Note, ...]
    total: int
    page: int = 1
    page_size: int = 5
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def pages(self) -> int:
        """How many pages the hits fill (at least one)."""
        return max(1, -(-self.total // max(1, self.page_size)))

    @property
    def first_number(self) -> int:
        """The list number of this page's first hit (1-based over all pages)."""
        return (max(1, self.page) - 1) * self.page_size + 1


@dataclass(frozen=True, slots=True)
class NoteView:
    """One note in full (`/paper id:…`)."""

    note: Note


@dataclass(frozen=True, slots=True)
class TagListView:
    """Tags with their note counts, most used first."""

    tags: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class HelpView:
    """The query grammar, shown as example commands, each with what it does when known."""

    examples: tuple[str, ...]
    meanings: tuple[str, ...] = ()

    def lines(self) -> tuple[tuple[str, str], ...]:
        """(example, meaning) pairs; the meaning is empty where none was given."""
        meanings = self.meanings + ("",) * (len(self.examples) - len(self.meanings))
        return tuple(zip(self.examples, meanings, strict=False))


@dataclass(frozen=True, slots=True)
class ErrorView:
    """A user error in words a person can act on, with examples that would work."""

    message: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageView:
    """A short plain answer (channel settings, a digest run): shown as text, nothing else."""

    text: str


View = SearchResultsView | NoteView | TagListView | HelpView | ErrorView | MessageView


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers: a view, shown only to the asker unless `ephemeral` is False."""

    view: View
    ephemeral: bool = True
    locale: str = "ko"
