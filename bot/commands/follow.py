"""The Follow button on each paper of a digest: the clicker follows that paper's tags, as a 🔔
on its message would, and is answered privately.

A button carries only the note key (Slack: its `value`, Discord: its `custom_id`), so it works
for anyone who clicks, after any restart: the tags are read from the stored note at click time
(a retagged paper follows its current tags; a retracted one follows nothing). What a click adds
is recorded with the origin `button:<note key>`: no 🔔 removed and no reconcile pass of
reactions takes it back, only `/paper unsubscribe …` (or a Remove button) does. A second click
adds nothing (the store's unique constraints decide) and says the tags are already followed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.commands.reactions import DestinationOf, MessageLookup
from bot.commands.subscribe import change_lines
from bot.digest.personal import Person
from bot.models import Destination, MessageRef, Note
from bot.replies import MessageView, Reply, Text, msg
from bot.subscriptions.service import SubscriptionService

__all__ = ["FOLLOW_ORIGIN_PREFIX", "FollowButtons", "FollowClick", "follow_origin"]

log = logging.getLogger(__name__)

FOLLOW_ORIGIN_PREFIX = "button:"


def follow_origin(note_key: str) -> str:
    """The origin recorded for what a Follow click on one paper added."""
    return f"{FOLLOW_ORIGIN_PREFIX}{note_key}"


class NoteLookup(Protocol):
    """The stored notes by key (`SqlNoteStore.get`)."""

    async def get(self, keys: Iterable[str]) -> list[Note]:
        """The notes with these keys; unknown keys are left out."""
        ...


@dataclass(frozen=True, slots=True)
class FollowClick:
    """A click on a paper's Follow button: the message it is on, who clicked, which paper."""

    message: MessageRef
    user: str
    note_key: str


class FollowButtons:
    """Follows the clicked paper's tags for the clicker, through the subscription service."""

    def __init__(
        self,
        subscriptions: SubscriptionService,
        notes: NoteLookup,
        ledger: MessageLookup,
        destination_of: DestinationOf | None = None,
    ) -> None:
        """`ledger` finds the digest the message belongs to; its destination's zone and
        language become a first-time subscriber's plan, and the answer's language."""
        self._subs, self._notes, self._ledger = subscriptions, notes, ledger
        self._destination_of = destination_of

    async def click(self, click: FollowClick) -> Reply:
        """Follow the paper's tags; the private answer says what changed and what is followed."""
        ref = click.message
        home = await self._home(ref)
        found = [n for n in await self._notes.get([click.note_key]) if not n.retracted]
        if not found:
            return _answer(home, (msg("subs.follow_gone", key=click.note_key),))
        tags = tuple(dict.fromkeys(found[0].tags))
        if not tags:
            return _answer(home, (msg("subs.follow_no_tags", key=click.note_key),))
        person = Person(ref.platform, ref.workspace, click.user)
        origin = follow_origin(click.note_key)
        change = await self._subs.follow_tags(person, tags, origin, home)
        already = [t for t in self._subs.tag_texts(tags) if t not in change.added]
        lines: list[Text] = []
        if already:
            lines.append(msg("subs.follow_already", filters=", ".join(already)))
        log.debug("%s clicked Follow on %s: %d new", person.key, click.note_key, len(change.added))
        return _answer(home, (*lines, *change_lines(change)))

    async def _home(self, ref: MessageRef) -> Destination:
        posted = await self._ledger.find_message(ref)
        found = None
        if posted is not None and self._destination_of is not None:
            found = await self._destination_of(posted.destination_key)
        return found or Destination(ref.platform, ref.workspace, ref.channel)


def _answer(home: Destination, lines: Sequence[Text]) -> Reply:
    return Reply(MessageView(lines=tuple(lines)), ephemeral=True, locale=home.locale)
