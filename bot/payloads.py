"""Platform payloads as plain JSON-ready data: what renderers produce and transports send.

No SDK types: a payload is exactly the JSON body the platform receives (plus `thread`, which says
the message is a reply in the thread of the digest's first message). `notes` are the keys of the
digest notes whose entry the message holds (a header's list of titles is no entry): the ledger
keeps them per sent message, so a run that fails part way knows exactly which notes it delivered.
`to_json` leaves them out: the platform never sees them, and payload hashes and golden files do
not change with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConsolePayload", "DiscordPayload", "Payload", "SlackPayload"]


@dataclass(frozen=True, slots=True)
class SlackPayload:
    """chat.postMessage arguments: fallback `text` and Block Kit `blocks`."""

    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    thread: bool = False
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON form `paperbot render --json` prints and golden files hold."""
        data: dict[str, Any] = {"text": self.text, "blocks": list(self.blocks)}
        if self.thread:
            data["thread"] = True
        return data


@dataclass(frozen=True, slots=True)
class DiscordPayload:
    """A Discord message create body: `content`, `embeds`, `components` and `allowed_mentions`."""

    content: str = ""
    embeds: tuple[dict[str, Any], ...] = ()
    components: tuple[dict[str, Any], ...] = ()
    allowed_mentions: dict[str, Any] = field(default_factory=lambda: {"parse": []})
    thread: bool = False
    thread_name: str = ""
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON form `paperbot render --json` prints and golden files hold."""
        data: dict[str, Any] = {
            "content": self.content,
            "embeds": list(self.embeds),
            "allowed_mentions": self.allowed_mentions,
        }
        if self.components:
            data["components"] = list(self.components)
        if self.thread:
            data["thread"] = True
        if self.thread_name:
            data["thread_name"] = self.thread_name
        return data


@dataclass(frozen=True, slots=True)
class ConsolePayload:
    """Terminal text: `plain` for pipes and logs, `rich` markup for a colour terminal."""

    plain: str
    rich: str = ""
    thread: bool = False
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON form `paperbot render --json` prints."""
        data: dict[str, Any] = {"text": self.plain}
        if self.thread:
            data["thread"] = True
        return data


Payload = SlackPayload | DiscordPayload | ConsolePayload
