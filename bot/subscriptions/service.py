"""Subscribe, unsubscribe, list and plan: the one service commands and reactions go through.

Every change is idempotent (the store's unique constraints decide), and every answer carries
exactly what the person follows afterwards, so a confirmation never guesses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.digest.personal import DeliveryPlan, Person
from bot.models import Destination, MessageRef
from bot.ports import Clock
from bot.store.subscriptions import COMMAND_ORIGIN, SqlSubscriptionStore, StoredSubscription
from bot.subscriptions.filters import parse_subscriptions, tag_filter

__all__ = ["SubscriptionChange", "SubscriptionService", "reaction_origin"]

log = logging.getLogger(__name__)


def reaction_origin(ref: MessageRef) -> str:
    """The origin recorded for what a reaction on one message added."""
    return f"reaction:{ref.platform.value}:{ref.workspace}:{ref.channel}:{ref.message_id}"


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """What a change did, and what the person follows now (oldest first) and how."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    following: tuple[str, ...]
    plan: DeliveryPlan | None


ZoneOf = Callable[[str], Awaitable[str | None]]
"""A destination key to its configured time zone (None: not a digest destination)."""


class SubscriptionService:
    """Subscriptions per platform user; `home` is where they asked (its zone and language
    become their plan the first time)."""

    def __init__(
        self, store: SqlSubscriptionStore, clock: Clock, *, zone_of: ZoneOf | None = None
    ) -> None:
        """`zone_of` finds the time zone of the channel a person subscribed in."""
        self.store, self._clock, self._zone_of = store, clock, zone_of

    def now(self) -> datetime:
        """The service's clock (what its changes are stamped with)."""
        return self._clock.now()

    async def default_plan(self, home: Destination) -> DeliveryPlan:
        """Daily at 09:00 in the time zone of the destination they began in (its configured
        zone when it is a digest destination) and in the language they asked in."""
        zone = await self._zone_of(home.key) if self._zone_of is not None else None
        return DeliveryPlan(timezone=zone or home.timezone, locale=home.locale)

    async def subscribe(self, person: Person, text: str, home: Destination) -> SubscriptionChange:
        """Follow what `text` names (raises the parser's errors for the command to say).

        Asking for DMs again lifts a pause of the person's DMs (a DM that could not be sent)."""
        filters = parse_subscriptions(text, self._clock.now())
        change = await self._add(person, [f.text for f in filters], COMMAND_ORIGIN, home)
        await self._resume(person)
        return change

    async def _resume(self, person: Person) -> None:
        if await self.store.resume_dm(person):
            log.info("%s asked for DMs again: their DM digests are resumed", person.key)

    async def follow_tags(
        self, person: Person, tags: Iterable[str], origin: str, home: Destination
    ) -> SubscriptionChange:
        """Follow each tag for `origin` (a reaction's message, a Follow button)."""
        return await self._add(person, self.tag_texts(tags), origin, home)

    def tag_texts(self, tags: Iterable[str]) -> list[str]:
        """The subscriptions following `tags` would be (`tag:rl`), each once."""
        return [tag_filter(tag, self._clock.now()).text for tag in dict.fromkeys(tags)]

    async def _add(
        self, person: Person, texts: list[str], origin: str, home: Destination
    ) -> SubscriptionChange:
        plan = await self.default_plan(home)
        added = await self.store.add(person, texts, origin, now=self._clock.now(), plan=plan)
        if added:
            log.info("%s subscribed to %s (%s)", person.key, ", ".join(added), origin)
        return await self._state(person, added=added)

    async def unsubscribe(self, person: Person, text: str) -> SubscriptionChange:
        """Stop following what `text` names, however it was added."""
        texts = [f.text for f in parse_subscriptions(text, self._clock.now())]
        removed = await self.store.remove(person, texts)
        if removed:
            log.info("%s unsubscribed from %s", person.key, ", ".join(removed))
        return await self._state(person, removed=removed)

    async def remove_exactly(self, person: Person, text: str) -> SubscriptionChange:
        """Stop the one subscription stored as `text` (a Remove button's filter), if any."""
        removed = await self.store.remove(person, [text]) if text else []
        if removed:
            log.info("%s removed %s", person.key, ", ".join(removed))
        return await self._state(person, removed=removed)

    async def unfollow_origin(self, person: Person, origin: str) -> SubscriptionChange:
        """Take back what one origin (a reaction) added, and nothing the person had otherwise."""
        removed = await self.store.remove_origin(person, origin)
        if removed:
            log.info("%s unsubscribed from %s (%s removed)", person.key, ", ".join(removed), origin)
        return await self._state(person, removed=removed)

    async def unsubscribe_all(self, person: Person) -> SubscriptionChange:
        """Remove every subscription of the person, their plan and their DM history."""
        before = await self.store.for_person(person)
        await self.store.forget(person)
        log.info("%s unsubscribed from everything; their DM history is deleted", person.key)
        return SubscriptionChange((), tuple(s.text for s in before), (), None)

    async def following(self, person: Person) -> list[StoredSubscription]:
        """The person's subscriptions, oldest first."""
        return await self.store.for_person(person)

    async def set_plan(self, person: Person, plan: DeliveryPlan) -> SubscriptionChange:
        """Change when the person's DM digest comes (and lift a pause of their DMs)."""
        await self.store.set_plan(person, plan, now=self._clock.now())
        await self._resume(person)
        return await self._state(person)

    async def plan_for(self, person: Person, home: Destination) -> DeliveryPlan:
        """The person's plan, or the one they would get by subscribing from `home`."""
        return await self.store.plan(person) or await self.default_plan(home)

    async def standing(self, person: Person) -> SubscriptionChange:
        """What the person follows now and how, as a change of nothing (what a bundled
        confirmation ends with: read when it is sent, after every change it merges)."""
        return await self._state(person)

    async def _state(
        self, person: Person, *, added: Iterable[str] = (), removed: Iterable[str] = ()
    ) -> SubscriptionChange:
        subs = await self.store.for_person(person)
        plan = await self.store.plan(person) if subs else None
        return SubscriptionChange(tuple(added), tuple(removed), tuple(s.text for s in subs), plan)
