"""The paper messages of recent digests as a `ReactableSource`: every message the ledger sent
that shows at least one paper (never a header), with the subscribe emoji: in channels, and in
people's DM digests (channel `@<user id>`, as a DM's 🔔 is applied: in the digest's workspace),
so a 🔔 added on a DM's paper while the bot was down is not missed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import Note, Platform
from bot.store.deliveries import PostedMessage
from bot.store.recent_messages import sent_since
from bot.subscriptions.reconcile import Reactable

__all__ = ["PaperMessages"]

PaperLookup = Callable[[PostedMessage, Platform], Awaitable[tuple[Note, ...]]]
"""The papers one posted message shows (`bot.subscriptions.parts.PartNotes`)."""


class PaperMessages:
    """Digest messages a 🔔 can follow (which papers a message shows: `PartNotes`)."""

    def __init__(self, engine: AsyncEngine, papers: PaperLookup, emoji: Iterable[str]) -> None:
        self._engine, self._papers, self._emoji = engine, papers, frozenset(emoji)

    async def recent(self, platform: Platform, since: datetime) -> Sequence[Reactable]:
        """The paper messages sent on `platform` since `since`."""
        found = []
        for sent in await sent_since(self._engine, platform, since):
            if await self._papers(sent.posted, platform):
                found.append(Reactable(sent.ref, self._emoji, sent.thread_of))
        return found
