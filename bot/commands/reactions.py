"""The one entry point for reactions from every platform: is the message one of our digests, and
does the reaction follow (or unfollow) its paper's tags?

Adapters translate their events (Slack `reaction_added`, Discord raw reactions) into a
`Reaction` and hand it here; they decide nothing. A subscribe emoji (🔔; Slack calls it `bell`)
added on a paper message the bot posted (a thread reply, or an inline message's entries)
subscribes the person to that paper's tags, recorded as coming from that message; removing it
takes back exactly what that reaction added. A reaction on a header, on a message that is not
ours, with another emoji, or by the bot itself changes nothing, nor does the add of one seen
before its person asked to be forgotten (`unsubscribe all`): that reaction replayed. The result
carries a private confirmation for the adapter to send (ephemeral or DM), or a
`ConfirmationBundler` sends one per person for a burst of reactions; the store's unique
constraints make a repeated event a no-op (and a no-op is not confirmed). A number on a tag menu
(`bot.subscriptions.menu`) follows the tag behind it the same way, and removing it takes back
what that number added.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.digest.personal import Person
from bot.models import IN_A_DM, Destination, MessageRef, Note, Platform, Reaction
from bot.ports import Metrics
from bot.replies import Reply
from bot.store.deliveries import PostedMessage
from bot.store.menus import StoredMenu
from bot.subscriptions.confirmations import ConfirmationBundler, confirmation
from bot.subscriptions.menu import menu_number, menu_origin
from bot.subscriptions.service import SubscriptionChange, SubscriptionService, reaction_origin

__all__ = [
    "DEFAULT_SUBSCRIBE_EMOJI",
    "MessageLookup",
    "PaperLookup",
    "ReactionHandler",
    "ReactionMarks",
    "ReactionOutcome",
    "ReactionResult",
]

log = logging.getLogger(__name__)

REACTIONS_METRIC = "paperbot_reactions_total"
DEFAULT_SUBSCRIBE_EMOJI = frozenset({"🔔", "bell"})
"""The unicode bell (Discord, the terminal) and Slack's name for it."""


class MessageLookup(Protocol):
    """The ledger's view of posted messages (`SqlDeliveryLedger`)."""

    async def find_message(self, ref: MessageRef) -> PostedMessage | None:
        """The digest message `ref` names, or None."""
        ...


class PaperLookup(Protocol):
    """The papers one posted message shows (`bot.subscriptions.parts.PartNotes`)."""

    async def __call__(self, posted: PostedMessage, platform: Platform) -> tuple[Note, ...]:
        """None for a header; one paper for a thread reply; an inline message's entries."""
        ...


class MenuLookup(Protocol):
    """The stored tag menus (`bot.subscriptions.menu.TagMenus`)."""

    async def find(self, ref: MessageRef) -> StoredMenu | None:
        """The menu posted as `ref`, or None."""
        ...


class ReactionMarks(Protocol):
    """Which reactions were applied (`bot.store.reaction_marks.SqlReactionMarks`)."""

    async def mark(self, ref: MessageRef, user: str, emoji: str, now: datetime) -> None:
        """Record one applied reaction."""
        ...

    async def unmark(self, ref: MessageRef, user: str, emoji: str) -> None:
        """Forget one removed reaction (and the opaque mark it left if `user` was forgotten)."""
        ...

    async def forgotten(self, ref: MessageRef, user: str, emoji: str) -> bool:
        """Whether the reaction was seen before `user` asked to be forgotten."""
        ...


DestinationOf = Callable[[str], Awaitable[Destination | None]]
"""A destination key to the destination (its zone and language), None when unknown."""


class ReactionOutcome(StrEnum):
    """What became of one reaction."""

    IGNORED = "ignored"  # not a message of ours: someone else's post, a reply, a DM
    RECORDED = "recorded"  # a digest message of ours
    MENU = "menu"  # a tag menu of ours


@dataclass(frozen=True, slots=True)
class ReactionResult:
    """The outcome, the digest message reacted to when it is ours, and what it changed.

    `confirmation` is the private answer to send the person (None when nothing changed).
    """

    outcome: ReactionOutcome
    posted: PostedMessage | None = None
    change: SubscriptionChange | None = None
    confirmation: Reply | None = None


class ReactionHandler:
    """Looks reactions up in the ledger, follows papers' tags, counts by platform and outcome."""

    def __init__(
        self,
        ledger: MessageLookup,
        metrics: Metrics,
        *,
        subscriptions: SubscriptionService | None = None,
        papers: PaperLookup | None = None,
        destination_of: DestinationOf | None = None,
        emoji: Iterable[str] = DEFAULT_SUBSCRIBE_EMOJI,
        confirmations: ConfirmationBundler | None = None,
        menus: MenuLookup | None = None,
        marks: ReactionMarks | None = None,
    ) -> None:
        """Without `subscriptions` and `papers` reactions are only looked up and counted. With
        `confirmations` each person's confirmations are bundled and sent by it (the result's
        `confirmation` is then None). With `menus`, numbers on tag menus follow tags. `marks`
        records each subscribe or menu reaction applied (what the reconcile pass compares the
        platform's reactions with)."""
        self._ledger, self._metrics, self._bundler = ledger, metrics, confirmations
        self._menus, self._marks = menus, marks
        self._subs, self._papers, self._destination_of = subscriptions, papers, destination_of
        self._emoji = frozenset(emoji)
        self._ignored: set[tuple[Platform, str]] = set()

    async def standing(self, person: Person) -> SubscriptionChange | None:
        """What `person` follows now (None: reactions follow nothing here), for a
        `ConfirmationBundler` to say when its window closes."""
        return None if self._subs is None else await self._subs.standing(person)

    def ignore_user(self, platform: Platform, user: str) -> None:
        """Never act on this user's reactions (the bot's own user, learned at connect)."""
        self._ignored.add((platform, user))

    def ignores(self, platform: Platform, user: str) -> bool:
        """Whether this user's reactions are never acted on (the reconcile pass skips them)."""
        return (platform, user) in self._ignored

    async def handle(self, reaction: Reaction) -> ReactionResult:
        """Find the digest message of `reaction` and apply it; never raises for a message that
        is not ours."""
        platform = reaction.message.platform
        posted = None
        if not self.ignores(platform, reaction.user):
            posted = await self._ledger.find_message(reaction.message)
            reaction = _located(reaction, posted)
            if posted is None and self._menus is not None:
                menu = await self._menu_of(reaction)
                if menu is not None:  # named as stored: its origins and marks match a pass's
                    return await self._menu(replace(reaction, message=menu.ref), menu)
        outcome = ReactionOutcome.IGNORED if posted is None else ReactionOutcome.RECORDED
        self._metrics.inc(REACTIONS_METRIC, platform=platform.value, outcome=outcome.value)
        log.debug(
            "reaction %s %s by %s on %s: %s",
            "added" if reaction.added else "removed",
            reaction.emoji,
            reaction.user,
            reaction.message,
            outcome.value,
        )
        if posted is None or reaction.emoji not in self._emoji or await self._replayed(reaction):
            return ReactionResult(outcome, posted)
        change, locale = await self._apply(reaction, posted)
        await self._mark(reaction)
        return self._confirmed(reaction, ReactionResult(outcome, posted), change, locale)

    def _confirmed(
        self,
        reaction: Reaction,
        result: ReactionResult,
        change: SubscriptionChange | None,
        locale: str,
    ) -> ReactionResult:
        if change is None:
            return result
        if self._bundler is not None:
            ref = reaction.message
            self._bundler.add(Person(ref.platform, ref.workspace, reaction.user), change, locale)
            return ReactionResult(result.outcome, result.posted, change)
        reply = confirmation(change.added, change.removed, change, locale)
        return ReactionResult(result.outcome, result.posted, change, reply)

    async def _menu_of(self, reaction: Reaction) -> StoredMenu | None:
        """The tag menu reacted on: where the reaction names it, else in its `thread` (a menu
        asked for inside a Discord thread)."""
        assert self._menus is not None
        menu = await self._menus.find(reaction.message)
        if menu is None and reaction.thread is not None:
            menu = await self._menus.find(replace(reaction.message, channel=reaction.thread))
        return menu

    async def _menu(self, reaction: Reaction, menu: StoredMenu) -> ReactionResult:
        """A number on a tag menu: follow the tag it shows now, or take back what it added."""
        ref = reaction.message
        self._metrics.inc(REACTIONS_METRIC, platform=ref.platform.value, outcome="menu")
        result = ReactionResult(ReactionOutcome.MENU)
        number = menu_number(reaction.emoji)
        if self._subs is None or number is None or await self._replayed(reaction):
            return result
        person = Person(ref.platform, ref.workspace, reaction.user)
        origin = menu_origin(ref, number)
        if not reaction.added:
            change = await self._subs.unfollow_origin(person, origin)
            await self._mark(reaction)
            return self._confirmed(reaction, result, change, menu.locale)
        tag = menu.items.get(number)
        if tag is None:
            await self._mark(reaction)
            return result
        where = Destination(ref.platform, ref.workspace, ref.channel, locale=menu.locale)
        found = await self._destination_of(where.key) if self._destination_of else None
        home = found or where
        change = await self._subs.follow_tags(person, [tag], origin, home)
        await self._mark(reaction)
        return self._confirmed(reaction, result, change, menu.locale)

    async def _replayed(self, reaction: Reaction) -> bool:
        """An add by a person who was forgotten while their reaction stayed (an opaque mark
        is on it): the old reaction replayed (a Slack retry, a Discord RESUME), ignored. Their
        removal deletes the opaque mark, so a 🔔 after it follows as usual."""
        if not reaction.added or self._marks is None or self._subs is None:
            return False
        ref, user, emoji = reaction.message, reaction.user, reaction.emoji
        return await self._marks.forgotten(ref, user, emoji)

    async def _mark(self, reaction: Reaction) -> None:
        if self._marks is None or self._subs is None:
            return
        ref, user, emoji = reaction.message, reaction.user, reaction.emoji
        if reaction.added:
            await self._marks.mark(ref, user, emoji, self._subs.now())
        else:
            await self._marks.unmark(ref, user, emoji)

    async def _apply(
        self, reaction: Reaction, posted: PostedMessage
    ) -> tuple[SubscriptionChange | None, str]:
        if self._subs is None or self._papers is None:
            return None, "ko"
        ref = reaction.message
        person = Person(ref.platform, ref.workspace, reaction.user)
        home = await self._home(posted, ref)
        origin = reaction_origin(ref)
        if not reaction.added:
            return await self._subs.unfollow_origin(person, origin), home.locale
        papers = await self._papers(posted, ref.platform)
        tags = [tag for note in papers for tag in note.tags]
        if not tags:
            return None, home.locale
        return await self._subs.follow_tags(person, tags, origin, home), home.locale

    async def _home(self, posted: PostedMessage, ref: MessageRef) -> Destination:
        found = None
        if self._destination_of is not None:
            found = await self._destination_of(posted.destination_key)
        return found or Destination(ref.platform, ref.workspace, ref.channel)


def _located(reaction: Reaction, posted: PostedMessage | None) -> Reaction:
    """A reaction from inside a DM (workspace `IN_A_DM`) as made in the workspace of the digest
    its message was in: whom it subscribes, its origin and its mark all name that workspace."""
    ref = reaction.message
    if posted is None or ref.workspace != IN_A_DM or not posted.workspace:
        return reaction
    return replace(reaction, message=replace(ref, workspace=posted.workspace))
