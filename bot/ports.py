"""Protocols at the edges of the core: the core depends on these, never on implementations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from bot.models import Destination, Digest, ErrorCode, MessageRef
    from bot.replies import Reply, Text

__all__ = ["Advise", "Clock", "Metrics", "Renderer", "Transport"]

P = TypeVar("P")
P_contra = TypeVar("P_contra", contravariant=True)


@runtime_checkable
class Clock(Protocol):
    """The only source of "now"; tests inject a fixed one."""

    def now(self) -> datetime:
        """Current time, timezone-aware."""
        ...


class Renderer(Protocol[P]):
    """Pure: core models to one platform's payloads, split within that platform's limits."""

    def render_digest(self, digest: Digest) -> list[P]:
        """The messages of a digest, header first; replies have `thread=True`.

        Delivery relies on two more rules: a digest with no days renders as one short
        "no new notes" message, and a note with `retracted=True` keeps its place and number but
        renders as a short "retracted" note, in its own message and in the header's list, with
        none of its content (corrections edit posted messages to that). And each payload's
        `notes` are the keys of the notes whose entry (or a piece of it) it holds, a header's
        list of titles not counted: the ledger keeps them per sent message, so a run that fails
        part way keeps exactly the notes its sent messages hold in full.
        """
        ...

    def render_merged(self, digest: Digest) -> P:
        """What a posted part becomes when a corrected digest needs fewer parts: a short note
        that its content is now in the messages above (corrections edit it to this)."""
        ...

    def render_reply(self, reply: Reply) -> P:
        """A command result as one message; `reply.ephemeral` tells the adapter who sees it."""
        ...


class Transport(Protocol[P_contra]):
    """Sends payloads to one platform. Raises `DeliveryError(retryable, retry_after)`."""

    async def post(
        self,
        destination: Destination,
        payload: P_contra,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        """Post a message (as a reply in `thread` when given) and return its reference."""
        ...

    async def edit(self, ref: MessageRef, payload: P_contra) -> None:
        """Replace a posted message's content in place."""
        ...


Advise = Callable[["Destination", "ErrorCode"], "Text | None"]
"""One platform's advice for its error code at a destination, as a catalogue sentence with the
platform's own `Markup` (a channel mention); None for a code it has no advice for."""


class Metrics(Protocol):
    """Counters and observations, exposed on /metrics by an adapter; each name is declared
    with its labels in `bot.metrics.CATALOGUE`."""

    def inc(self, name: str, **labels: str) -> None:
        """Add one to a counter."""
        ...

    def add(self, name: str, amount: float, **labels: str) -> None:
        """Add `amount` (never negative: counters only grow) to a counter."""
        ...

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Record one observation (a latency, a Retry-After)."""
        ...
