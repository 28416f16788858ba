"""The tag menu: a message listing the most used tags, each with a numbered emoji the bot adds
itself; reacting with a number follows that tag, removing the reaction takes it back.

Numbers, not tags, are what people react with, so what each number stands for is stored per
menu (`SqlMenuStore`) and read on every reaction: after a restart, and after the menu was
edited. When the most used tags change the menu is edited in place, and a tag that stays among
them keeps its number (new tags take the numbers that were freed), so the menu changes as
little as possible. A subscription made through a number belongs to the tag it followed, not to
the number: it stays when that number later shows another tag, and removing the reaction takes
back exactly that tag (the origin is the menu message and the number).

Reconcile passes use `recent_menus`, `menu_number`, `menu_tag` and `menu_origin`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.errors import DeliveryError
from bot.models import Destination, MessageRef, Platform
from bot.ports import Clock, Renderer, Transport
from bot.replies import Reply, TagMenuView
from bot.store.menus import SqlMenuStore, StoredMenu

__all__ = [
    "KEYCAPS",
    "MENU_SIZE",
    "MenuChannel",
    "MenuTransport",
    "TagMenus",
    "menu_emoji",
    "menu_number",
    "menu_origin",
    "menu_tag",
    "renumber",
]

log = logging.getLogger(__name__)

MENU_SIZE = 10
"""Tags a menu lists: as many as there are keycap emoji, 1️⃣ to 🔟."""
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
SLACK_NAMES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "keycap_ten")
"""Slack's names for the same emoji (reactions.add takes names, events report them)."""
_NUMBERS = {
    **{emoji: n for n, emoji in enumerate(KEYCAPS, 1)},
    **{emoji.replace("\ufe0f", ""): n for n, emoji in enumerate(KEYCAPS, 1)},
    **{name: n for n, name in enumerate(SLACK_NAMES, 1)},
}


def menu_emoji(number: int, platform: Platform) -> str:
    """The emoji of `number` as `platform` spells it for adding a reaction."""
    return SLACK_NAMES[number - 1] if platform is Platform.SLACK else KEYCAPS[number - 1]


def menu_number(emoji: str) -> int | None:
    """The number an emoji stands for (`3️⃣`, `3⃣` without U+FE0F, Slack's `three`), else None."""
    return _NUMBERS.get(emoji)


def menu_tag(menu: StoredMenu, emoji: str) -> str | None:
    """The tag the menu shows now behind this emoji, else None."""
    number = menu_number(emoji)
    return None if number is None else menu.items.get(number)


def menu_origin(ref: MessageRef, number: int) -> str:
    """The origin recorded for what one number's reaction on one menu message added."""
    return f"menu:{ref.platform.value}:{ref.workspace}:{ref.channel}:{ref.message_id}:{number}"


def renumber(
    current: Mapping[int, str], top: Sequence[str], size: int = MENU_SIZE
) -> dict[int, str]:
    """Numbers for the `size` most used tags (`top`, most used first): a tag already on the
    menu keeps its number, new tags take the free numbers in order of use."""
    wanted = list(dict.fromkeys(top))[:size]
    kept = {n: tag for n, tag in current.items() if tag in wanted and 1 <= n <= size}
    free = [n for n in range(1, size + 1) if n not in kept]
    new = [tag for tag in wanted if tag not in kept.values()]
    kept.update(zip(free, new, strict=False))
    return dict(sorted(kept.items()))


class MenuTransport(Transport[Any], Protocol):
    """A platform's `Transport` that can also add and remove the bot's own reactions."""

    async def add_reaction(self, ref: MessageRef, emoji: str) -> None:
        """React on the message as the bot (already there: no error)."""
        ...

    async def remove_reaction(self, ref: MessageRef, emoji: str) -> None:
        """Take the bot's own reaction off the message (not there: no error)."""
        ...


@dataclass(frozen=True, slots=True)
class MenuChannel:
    """How menus are rendered and sent on one platform."""

    renderer: Renderer[Any]
    transport: MenuTransport


ChannelOf = Callable[[Platform], MenuChannel | None]
"""A platform to its menu channel; None when this process does not serve it."""
TopTags = Callable[[], Awaitable[Sequence[str]]]
"""Tags of live notes, most used first."""


class TagMenus:
    """Posts menus, edits them when the most used tags change, maps reactions to tags."""

    def __init__(
        self,
        store: SqlMenuStore,
        top_tags: TopTags,
        channels: ChannelOf,
        clock: Clock,
        *,
        size: int = MENU_SIZE,
    ) -> None:
        self._store, self._top, self._channels = store, top_tags, channels
        self._clock, self._size = clock, size

    async def post(self, where: Destination) -> StoredMenu:
        """Post a menu of the most used tags in `where`, store it, add the numbers.

        Raises:
            DeliveryError: the platform is not served here or refused the post.
        """
        channel = self._channel(where.platform)
        items = renumber({}, await self._top(), self._size)
        payload = channel.renderer.render_reply(_reply(items, where.locale))
        ref = await channel.transport.post(where, payload)
        menu = await self._store.add(ref, where.locale, items, now=self._clock.now())
        log.info("tag menu posted as %s: %s", ref, ", ".join(items.values()) or "no tags")
        await _react(channel.transport, ref, sorted(items), add=True)
        return menu

    async def refresh(self) -> int:
        """Edit every stored menu whose numbers no longer show the most used tags (and add or
        remove the bot's numbers to match); returns how many were edited."""
        top = await self._top()
        edited = 0
        for menu in await self._store.all():
            items = renumber(menu.items, top, self._size)
            if items != dict(menu.items) and await self._edit(menu, items):
                edited += 1
        return edited

    async def find(self, ref: MessageRef) -> StoredMenu | None:
        """The menu posted as `ref`, or None."""
        return await self._store.find(ref)

    async def recent_menus(self, since: datetime) -> list[StoredMenu]:
        """Menus posted at or after `since`, oldest first."""
        return await self._store.recent_menus(since)

    async def _edit(self, menu: StoredMenu, items: dict[int, str]) -> bool:
        try:
            channel = self._channel(menu.ref.platform)
        except DeliveryError:
            return False  # another process serves that platform
        payload = channel.renderer.render_reply(_reply(items, menu.locale))
        try:
            await channel.transport.edit(menu.ref, payload)
        except DeliveryError as exc:
            if exc.retryable:
                log.warning(
                    "tag menu %s not edited (%s); retried at the next change", menu.ref, exc
                )
                return False
            log.warning("tag menu %s cannot be edited (%s): forgotten", menu.ref, exc)
            await self._store.forget(menu.id)
            return False
        await self._store.replace_items(menu.id, items, now=self._clock.now())
        log.info("tag menu %s edited: %s", menu.ref, ", ".join(items.values()) or "no tags")
        gone = sorted(set(menu.items) - set(items))
        added = sorted(set(items) - set(menu.items))
        await _react(channel.transport, menu.ref, gone, add=False)
        await _react(channel.transport, menu.ref, added, add=True)
        return True

    def _channel(self, platform: Platform) -> MenuChannel:
        channel = self._channels(platform)
        if channel is None:
            raise DeliveryError(f"no transport for {platform.value}", retryable=False)
        return channel


def _reply(items: Mapping[int, str], locale: str) -> Reply:
    view = TagMenuView(tuple((KEYCAPS[n - 1], tag) for n, tag in sorted(items.items())))
    return Reply(view, ephemeral=False, locale=locale)


async def _react(
    transport: MenuTransport, ref: MessageRef, numbers: list[int], *, add: bool
) -> None:
    """The bot's own numbers on the menu; a refusal is logged (people can still add the number
    themselves), and a permanent one stops the rest."""
    for number in numbers:
        emoji = menu_emoji(number, ref.platform)
        try:
            if add:
                await transport.add_reaction(ref, emoji)
            else:
                await transport.remove_reaction(ref, emoji)
        except DeliveryError as exc:
            log.warning("tag menu %s: reaction %s not %s: %s", ref, emoji,
                        "added" if add else "removed", exc)  # fmt: skip
            if not exc.retryable:
                return
