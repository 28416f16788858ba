"""The reconcile pass: reactions added or removed while the bot was down (or its connection
was) take effect when it is back.

At start and at each reconnect the platform's adapter runs `Reconciler.run` with its
`ReactionReader` (the port: who reacts with which emoji on one message now) and the entry point
its reaction events go through (`apply`: applies and confirms, as for an event). For every
reactable message of the last `days` days that its sources list (`ReactableSource`: the paper
messages of recent digests today; a tag menu can be another source), the platform's reactions
are compared with the reaction marks (`SqlReactionMarks`, written by that same entry point):

- a reaction on the platform without a mark is applied as an add;
- a mark whose reaction is gone is applied as a removal (taking back exactly what it added).

An opaque mark (left by a person who asked to be forgotten: `bot.store.reaction_marks`)
stands for their reaction without naming them: their 🔔 still there is not new, and once it is
gone the opaque mark is deleted (a later 🔔 follows as usual); it is never applied as a
removal (it names nobody to unsubscribe). Opaque marks older than `days` are deleted at each
pass: their messages are older still and no longer read.

Users the entry point ignores (`ignored`: the bot's own, whose numbers sit on every tag menu)
are left out, so they are neither applied nor counted as found while away.

Both go through `apply`, so the store's unique constraints make a reaction that an event
already applied a no-op, which is confirmed to nobody; and the marks are read again before the
adds are applied, so a reaction whose event was applied while the platform was read is not
applied (and counted as found while away) a second time. A message that cannot be read any more
(deleted, access lost) changes nothing. Messages are read one at a time (each platform's
rate-limit handling applies to every read); a pass asked for while one runs runs once after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.models import MessageRef, Platform, Reaction
from bot.ports import Clock
from bot.store.reaction_marks import SqlReactionMarks, is_opaque, opaque_user
from bot.tasks import cancel_and_wait

__all__ = [
    "Reactable",
    "ReactableSource",
    "ReactionReader",
    "ReconcileReport",
    "ReconcileRunner",
    "Reconciler",
]

log = logging.getLogger(__name__)

DEFAULT_DAYS = 14

Apply = Callable[[Reaction], Awaitable[object]]
"""The platform's reaction entry point (the same one its events go through)."""

Ignored = Callable[[Platform, str], bool]
"""Whether the entry point never acts on this user's reactions (the bot's own)."""


@dataclass(frozen=True, slots=True)
class Reactable:
    """One message whose reactions mean something, and which emoji to read on it.

    `ref` names it as reaction events and the ledger do (a Discord thread reply under its
    digest's channel); `thread_of` is the message a thread reply hangs under (the thread's
    header; or the forum post an inline message went into, whose id is its starter's), for a
    platform that reads a reply inside its thread.
    """

    ref: MessageRef
    emoji: frozenset[str]
    thread_of: MessageRef | None = None


class ReactionReader(Protocol):
    """The port a platform adapter implements: a message's reactions as they are now."""

    async def reactions(self, message: Reactable) -> Mapping[str, frozenset[str]] | None:
        """The users reacting with each of `message.emoji` (an emoji nobody uses may be left
        out); None when the message cannot be read (deleted, no access): nothing changes."""
        ...


class ReactableSource(Protocol):
    """Lists the reactable messages of one kind (digest papers, a tag menu)."""

    async def recent(self, platform: Platform, since: datetime) -> Sequence[Reactable]:
        """The messages posted on `platform` since `since`."""
        ...


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one pass did."""

    messages: int = 0
    unreadable: int = 0
    added: int = 0
    removed: int = 0


class Reconciler:
    """Compares the platform's reactions with the marks and applies the difference."""

    def __init__(
        self,
        marks: SqlReactionMarks,
        sources: Sequence[ReactableSource],
        clock: Clock,
        *,
        days: int = DEFAULT_DAYS,
        ignored: Ignored = lambda _platform, _user: False,
    ) -> None:
        """`days`: how far back messages are read (0: no reconcile pass); `ignored`: users to
        leave out (`ReactionHandler.ignores`)."""
        self._marks, self._sources, self._clock, self.days = marks, list(sources), clock, days
        self._ignored = ignored

    def add_source(self, source: ReactableSource) -> None:
        """Reconcile another kind of message too (e.g. the tag menu)."""
        self._sources.append(source)

    async def run(
        self, platform: Platform, reader: ReactionReader, apply: Apply
    ) -> ReconcileReport:
        """One pass over every source's recent messages on `platform`."""
        if self.days <= 0:
            return ReconcileReport()
        since = self._clock.now() - timedelta(days=self.days)
        await self._marks.forget_older(platform, since)  # on messages no pass reads any more
        messages = unreadable = added = removed = 0
        for source in self._sources:
            for message in await source.recent(platform, since):
                messages += 1
                applied = await self._message(platform, message, reader, apply)
                if applied is None:
                    unreadable += 1
                    continue
                added, removed = added + applied[0], removed + applied[1]
        report = ReconcileReport(messages, unreadable, added, removed)
        log.info(
            "%s reconcile: %d messages read (%d unreadable), %d reactions added and %d removed "
            "while away",
            platform.value,
            messages,
            unreadable,
            added,
            removed,
        )
        return report

    async def _message(
        self, platform: Platform, message: Reactable, reader: ReactionReader, apply: Apply
    ) -> tuple[int, int] | None:
        """Apply one message's difference: how many adds and removals (None: unreadable)."""
        # the marks first: an event applied while the platform is read is then either seen on
        # the platform or not at all, never taken for a removal; and the marks again before
        # the adds, so one the event marked meanwhile is not applied (and counted) twice
        recorded = await self._marks.on(message.ref)
        now = await reader.reactions(message)
        if now is None:
            return None
        ref, added, removed = message.ref, 0, 0
        latest: Mapping[str, frozenset[str]] | None = None
        for emoji in sorted(message.emoji):
            found = now.get(emoji, frozenset())
            present = frozenset(u for u in found if not self._ignored(platform, u))
            seen = recorded.get(emoji, frozenset())
            hidden = frozenset(u for u in seen if is_opaque(u))
            named = seen - hidden
            masks = {u: opaque_user(platform, ref.workspace, u) for u in present}
            new = [u for u in sorted(present - named) if masks[u] not in hidden]
            if new and latest is None:
                latest = await self._marks.on(ref)
            for user in new:  # (a user in `hidden`: seen before they were forgotten)
                if user not in (latest or {}).get(emoji, frozenset()):
                    await apply(Reaction(ref, user, emoji, True))
                    added += 1
            for user in sorted(named - present):
                await apply(Reaction(ref, user, emoji, False))
                removed += 1
            for gone in sorted(hidden - set(masks.values())):  # taken off since forgotten
                await self._marks.unmark(ref, gone, emoji)
        return added, removed


class ReconcileRunner:
    """Runs passes for one platform in the background, one at a time: a pass asked for while
    one runs runs once after it (a burst of reconnects costs at most two passes)."""

    def __init__(
        self, reconciler: Reconciler, platform: Platform, reader: ReactionReader, apply: Apply
    ) -> None:
        self._reconciler, self._platform = reconciler, platform
        self._reader, self._apply = reader, apply
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self.passes = 0

    def trigger(self, why: str) -> None:
        """Ask for a pass (`why`: "start", "reconnect", … for the log)."""
        log.info("%s reconcile pass asked for (%s)", self._platform.value, why)
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._again = False
        self._task = asyncio.create_task(self._loop(), name=f"reconcile-{self._platform.value}")

    async def _loop(self) -> None:
        while True:
            try:
                await self._reconciler.run(self._platform, self._reader, self._apply)
            except Exception:  # boundary: the next start or reconnect tries again
                log.exception("%s reconcile pass failed", self._platform.value)
            self.passes += 1
            if not self._again:
                return
            self._again = False

    async def idle(self) -> None:
        """Wait for the pass in progress (and one asked for meanwhile)."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def stop(self) -> None:
        """Cancel a pass in progress (what it applied stays applied)."""
        if self._task is not None:
            await cancel_and_wait(self._task)
