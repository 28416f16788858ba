"""Tag menus as a `ReactableSource`: each menu posted within the reconcile window, with the
numbers that stand for a tag, spelled as the platform's reaction events spell them (Slack's
names, Discord's keycaps without U+FE0F, the terminal's keycaps), which is how they are marked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.models import Platform
from bot.subscriptions.menu import KEYCAPS, SLACK_NAMES, TagMenus
from bot.subscriptions.reconcile import Reactable

__all__ = ["MenuMessages", "event_emoji"]


def event_emoji(number: int, platform: Platform) -> str:
    """How `platform`'s reaction events name the emoji of `number`."""
    if platform is Platform.SLACK:
        return SLACK_NAMES[number - 1]
    if platform is Platform.DISCORD:
        return KEYCAPS[number - 1].replace("\ufe0f", "")
    return KEYCAPS[number - 1]


class MenuMessages:
    """The tag menus posted on a platform since a moment, with their numbers' emoji."""

    def __init__(self, menus: TagMenus) -> None:
        self._menus = menus

    async def recent(self, platform: Platform, since: datetime) -> Sequence[Reactable]:
        """The menus posted on `platform` since `since`."""
        return [
            Reactable(menu.ref, frozenset(event_emoji(n, platform) for n in menu.items))
            for menu in await self._menus.recent_menus(since)
            if menu.ref.platform is platform
        ]
