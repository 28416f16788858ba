"""Confirmations bundled per person: someone who 🔔s five papers in a few seconds gets one
private message, not five.

The first change of a person opens a window (`window` seconds: `[subscriptions]
confirm_window_seconds`, default 3); changes within it are merged; when it closes, one
confirmation says the net effect (what is followed now, what no longer) and exactly what the
person follows afterwards. A follow and an unfollow of the same filter within one window cancel
out; a window that changed nothing on balance sends nothing. The adapter's `send` delivers it
(Slack ephemeral or DM, Discord DM).

What is followed afterwards is read when the window closes (`standing`), not taken from the
change merged last: reactions are applied side by side, and on a loaded machine the one that
finishes last may have read the person's subscriptions before another one wrote its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.delivery.config import CONFIRM_WINDOW_SECONDS
from bot.digest.personal import Person
from bot.replies import MessageView, Reply, Text, msg
from bot.subscriptions.service import SubscriptionChange

__all__ = ["ConfirmationBundler", "confirmation"]

log = logging.getLogger(__name__)

Send = Callable[[Person, Reply], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
Standing = Callable[[Person], Awaitable[SubscriptionChange | None]]
"""What the person follows now (`ReactionHandler.standing`); None: say the last change's."""


def confirmation(
    added: tuple[str, ...], removed: tuple[str, ...], latest: SubscriptionChange, locale: str
) -> Reply | None:
    """The private answer for a net change (None when there is none), then what is followed
    now and when the DM comes."""
    lines: list[Text] = []
    if added:
        lines.append(msg("subs.reaction_added", filters=", ".join(added)))
    if removed:
        lines.append(msg("subs.reaction_removed", filters=", ".join(removed)))
    if not lines:
        return None
    if latest.following:
        lines.append(msg("subs.following", filters=", ".join(latest.following)))
        if latest.plan is not None:
            lines.append(
                msg(
                    f"subs.plan_{latest.plan.cadence.value}",
                    at=latest.plan.at,
                    timezone=latest.plan.timezone,
                )
            )
    else:
        lines.append(msg("subs.none"))
    return Reply(MessageView(lines=tuple(lines)), ephemeral=True, locale=locale)


@dataclass
class _Pending:
    added: dict[str, None] = field(default_factory=dict)
    removed: dict[str, None] = field(default_factory=dict)
    latest: SubscriptionChange | None = None
    locale: str = "ko"


class ConfirmationBundler:
    """Merges each person's changes over a short window, then sends one confirmation."""

    def __init__(
        self,
        send: Send,
        *,
        window: float = CONFIRM_WINDOW_SECONDS,
        sleep: Sleep = asyncio.sleep,
        standing: Standing | None = None,
    ) -> None:
        self._send, self._window, self._sleep = send, window, sleep
        self._standing = standing
        self._pending: dict[Person, _Pending] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, person: Person, change: SubscriptionChange, locale: str) -> None:
        """Merge one change into the person's open window (opening one if none is)."""
        pending = self._pending.get(person)
        if pending is None:
            pending = self._pending[person] = _Pending()
            task = asyncio.create_task(self._close_later(person), name=f"confirm {person.key}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        for text in change.added:
            if pending.removed.pop(text, 0) is None:  # unfollowed, then followed again
                continue
            pending.added[text] = None
        for text in change.removed:
            if pending.added.pop(text, 0) is None:  # followed, then unfollowed again
                continue
            pending.removed[text] = None
        pending.latest, pending.locale = change, locale

    async def _close_later(self, person: Person) -> None:
        await self._sleep(self._window)
        pending = self._pending.pop(person)
        assert pending.latest is not None
        if not pending.added and not pending.removed:
            return  # nothing changed on balance: nothing to say (nor to read)
        try:
            after = await self._standing(person) if self._standing is not None else None
            added, removed = tuple(pending.added), tuple(pending.removed)
            reply = confirmation(added, removed, after or pending.latest, pending.locale)
            if reply is not None:
                await self._send(person, reply)
        except Exception:  # boundary: a confirmation that cannot be sent loses no subscription
            log.warning("could not confirm subscriptions to %s", person.key, exc_info=True)

    async def drain(self) -> None:
        """Wait for every open window to close and send (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))
