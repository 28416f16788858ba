"""Command results as neutral views: what the command core returns and renderers draw.

Kept platform-free and minimal so the command core (search, tags, help) and the renderers can
meet here without knowing each other. The core never writes a sentence a person reads: it names
one (`Text`: a catalogue key and its values) and the renderer says it in the reply's language,
so a Korean channel reads Korean only and an English one English only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.models import Note, Platform

__all__ = [
    "ErrorView",
    "HelpView",
    "Markup",
    "MessageView",
    "Near",
    "NearAuthor",
    "NearTag",
    "NoteView",
    "Reply",
    "SearchResultsView",
    "SharedNoteView",
    "TagListView",
    "TagMenuView",
    "Text",
    "Undated",
    "Unknown",
    "UnknownAuthor",
    "UnknownTag",
    "View",
    "msg",
    "reply_kind",
]


@dataclass(frozen=True, slots=True)
class Markup:
    """A value already in `platform`'s own markup (a channel mention, a code span), built by
    that platform's adapter from parts it trusts: its renderer says it as it is, where every
    other value is escaped; any other renderer escapes it like plain text."""

    text: str
    platform: Platform


@dataclass(frozen=True, slots=True)
class Text:
    """A sentence of the UI catalogue (`formatters/locales/`) by key, with its values.

    Values are data (a query, a tag, a count), other `Text`s (a localized word inside a
    sentence) or `Markup`; renderers look the key up in the reply's locale and escape it.
    """

    key: str
    params: Mapping[str, str | int | Text | Markup] = field(default_factory=dict)


def msg(key: str, /, **params: str | int | Text | Markup) -> Text:
    """`Text(key, params)`, written the way it reads: `msg("search.no_id", id=key)`."""
    return Text(key, params)


@dataclass(frozen=True, slots=True)
class Undated:
    """What a search that found nothing finds without its date filters (`dates`, as typed):
    `total` notes for `query_text`, which the answer offers to run."""

    dates: str
    query_text: str
    total: int


@dataclass(frozen=True, slots=True)
class Near:
    """What notes have (a tag, an author's name) near what a search that found nothing asked
    for and no note has: `count` notes have it, and `query_text` is the search asked with it
    in the other's place, which the answer offers to run."""

    value: str
    count: int
    query_text: str


N = TypeVar("N", bound=Near)


@dataclass(frozen=True, slots=True)
class Unknown(Generic[N]):
    """What a search that found nothing asked for and no note has (`value`), and the nearest
    ones notes have (`nearest`, nearest first; none when none is near)."""

    value: str
    nearest: tuple[N, ...] = ()


class NearTag(Near):
    """A tag notes have near one no note has."""

    __slots__ = ()

    @property
    def tag(self) -> str:
        return self.value


class UnknownTag(Unknown[NearTag]):
    """A tag a search that found nothing filters by and no note has (its key: `rhlf`), and the
    nearest tags notes have."""

    __slots__ = ()

    @property
    def tag(self) -> str:
        return self.value


class NearAuthor(Near):
    """An author notes have, near an `author:` filter no note's authors match: the name as
    most of the notes write it."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return self.value


class UnknownAuthor(Unknown[NearAuthor]):
    """An `author:` filter that on its own matches no note's authors, as typed (`hintno`),
    and the nearest authors notes have."""

    __slots__ = ()

    @property
    def author(self) -> str:
        return self.value


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
    undated: Undated | None = None
    unknown_tag: UnknownTag | None = None
    unknown_author: UnknownAuthor | None = None

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
class TagMenuView:
    """The tag menu (`/paper tags menu`): a numbered emoji per tag, posted visibly; reacting
    with a number follows its tag. `items` are (emoji, tag) in number order."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SharedNoteView:
    """A note posted visibly to the channel by someone (`/paper share`), naming who shared it.

    `shared_by` is the person's display name, shown as text: a platform mention (`<@U…>`)
    would notify them, and no paperbot message pings anyone.
    """

    note: Note
    shared_by: str


@dataclass(frozen=True, slots=True)
class HelpView:
    """The query grammar, shown as example commands, each with what it does when known."""

    examples: tuple[str, ...]
    meanings: tuple[Text, ...] = ()

    def lines(self) -> tuple[tuple[str, Text | None], ...]:
        """(example, meaning) pairs; the meaning is None where none was given."""
        meanings: tuple[Text | None, ...] = self.meanings
        meanings += (None,) * (len(self.examples) - len(self.meanings))
        return tuple(zip(self.examples, meanings, strict=False))


@dataclass(frozen=True, slots=True)
class ErrorView:
    """A user error in words a person can act on, with examples that would work."""

    message: Text
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageView:
    """A short answer: catalogue `lines` (channel settings, a digest run), after `text`.

    `text` is shown as it is: operator text from outside the command core (a delivery alert).
    `removable` are the asker's own subscriptions (filter texts) to offer a Remove button for.
    """

    text: str = ""
    lines: tuple[Text, ...] = ()
    removable: tuple[str, ...] = ()


View = (
    SearchResultsView
    | NoteView
    | SharedNoteView
    | TagListView
    | TagMenuView
    | HelpView
    | ErrorView
    | MessageView
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers: a view, shown only to the asker unless `ephemeral` is False.

    A non-ephemeral reply is a post visible to the whole channel (`/paper share`).
    """

    view: View
    ephemeral: bool = True
    locale: str = "ko"


_KINDS: dict[type, str] = {
    SearchResultsView: "results",
    NoteView: "note",
    TagListView: "tags",
    TagMenuView: "menu",
    HelpView: "help",
    ErrorView: "error",
    MessageView: "message",
}


def reply_kind(reply: Reply) -> str:
    """What kind of answer a reply is, in one word: the `reply` label of command metrics."""
    return _KINDS.get(type(reply.view), "other")
