"""Core data: frozen dataclasses shared by the parser, the store, search and the renderers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

__all__ = [
    "PERSONAL_DIGEST_PREFIX",
    "Destination",
    "Digest",
    "DigestDay",
    "ErrorCode",
    "Layout",
    "MessageRef",
    "Note",
    "NoteSource",
    "Platform",
]


@dataclass(frozen=True, slots=True)
class NoteSource:
    """Where a note was read: the file's name and the 1-based line of its title."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Note:
    """One paper note, as parsed from a notes file.

    ``key`` is stable across re-ingest: the day plus a slug of the normalised title, with a
    ``-N`` suffix for the N-th repeat of the same title on one day (see notes-format.md).
    """

    key: str
    day: date
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    commentary: str = ""
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: NoteSource = field(default_factory=lambda: NoteSource("", 0))
    position: int = 0
    retracted: bool = False

    @property
    def content_hash(self) -> str:
        """Hash of everything a reader sees, so edits can be told from re-ingests."""
        payload = json.dumps(
            [self.title, self.authors, self.abstract, self.commentary, self.links, self.tags],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    def to_export(self) -> dict[str, object]:
        """The JSON-ready record `paperbot export` prints, with exactly the documented keys."""
        return {
            "id": self.key,
            "date": self.day.isoformat(),
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "commentary": self.commentary,
            "links": list(self.links),
            "tags": list(self.tags),
            "retracted": self.retracted,
        }


class Platform(StrEnum):
    """Where a message goes."""

    SLACK = "slack"
    DISCORD = "discord"
    CONSOLE = "console"


class Layout(StrEnum):
    """How a digest is laid out: a header message with one thread reply per note, or all inline."""

    THREAD = "thread"
    INLINE = "inline"


@dataclass(frozen=True, slots=True)
class Destination:
    """A channel (or a user's DM) on a platform: where a digest or reply is sent."""

    platform: Platform
    workspace: str
    channel: str
    name: str = ""
    timezone: str = "Asia/Seoul"
    locale: str = "ko"

    @property
    def key(self) -> str:
        """`platform:workspace:channel`, the destination's identity in the ledger."""
        return f"{self.platform.value}:{self.workspace}:{self.channel}"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """A platform's error code, as a pause keeps it: the platform's adapter says its advice
    again from it, in the reader's language, when the pause is shown (rendered text would be
    one language, and its platform markup would be stale or escaped).

    `detail` is what else the advice names, from the failure (the action whose permissions a
    Discord 403 asks for, the scope Slack says is missing); "" when nothing.
    """

    code: str
    detail: str = ""

    def __str__(self) -> str:
        """`code`, or `code:detail`, as the store keeps it (no platform's code holds a `:`)."""
        return f"{self.code}:{self.detail}" if self.detail else self.code

    @classmethod
    def parse(cls, stored: str) -> ErrorCode:
        """The code `str()` wrote (a detail keeps any `:` of its own, as in `chat:write`)."""
        code, _, detail = stored.partition(":")
        return cls(code, detail)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """The identity of a posted message: Slack `ts` or Discord snowflake, in its channel."""

    platform: Platform
    workspace: str
    channel: str
    message_id: str


IN_A_DM = "@me"
"""The workspace of a reaction or command from inside a DM, where the platform does not say
which server it belongs to (Discord): the ledger finds a DM message by its channel `@<user id>`
and id alone, and the reaction is applied in the workspace of the digest that message was in."""


@dataclass(frozen=True, slots=True)
class Reaction:
    """Someone added (or removed) an emoji on a message, as any platform reports it.

    `emoji` is a unicode emoji's name (Slack `thumbsup`, Discord `👍`'s name) or a custom
    emoji's id; `user` is the platform's user id. `thread` is the thread the message is in when
    `message.channel` names the thread's parent instead (Discord: the ledger keeps a digest's
    thread replies under the channel it was sent to, while a tag menu asked for inside a thread
    is kept under the thread).
    """

    message: MessageRef
    user: str
    emoji: str
    added: bool = True
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class DigestDay:
    """The notes of one notes day inside a digest, in file order."""

    day: date
    notes: tuple[Note, ...]


PERSONAL_DIGEST_PREFIX = "dm:"
"""Digest keys of personal (DM) digests start with this: `dm:slot:2024-09-20T09:00`."""


@dataclass(frozen=True, slots=True)
class Digest:
    """What one scheduled post to one destination holds.

    `key` names the run in the ledger (e.g. `daily:2024-09-20`); `days` are oldest first;
    `filter_text` is the destination's filter as the user wrote it (shown in the header);
    `overflow` counts matching notes left out by the per-digest cap. A personal digest (its
    key starts with `dm:`) shows `filter_text` as the subscriptions it matched, and `matched`
    says per note which ones brought it ("why you got this").
    """

    key: str
    days: tuple[DigestDay, ...]
    filter_text: str = ""
    overflow: int = 0
    locale: str = "ko"
    layout: Layout = Layout.THREAD
    matched: tuple[tuple[str, str], ...] = ()
    """(note key, the subscriptions that matched it), for personal digests."""

    @property
    def personal(self) -> bool:
        """Whether this is someone's DM digest rather than a channel's."""
        return self.key.startswith(PERSONAL_DIGEST_PREFIX)

    def matched_for(self, note_key: str) -> str:
        """The subscriptions that brought a note into a personal digest ("" when unknown)."""
        return next((why for key, why in self.matched if key == note_key), "")

    @property
    def notes(self) -> tuple[Note, ...]:
        """Every note of the digest, oldest day first."""
        return tuple(note for day in self.days for note in day.notes)
