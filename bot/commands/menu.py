"""`/paper tags menu` (admins): post the tag menu in the channel where it is asked.

The menu itself is a visible message of the channel (posted through the platform's transport,
so its message id is known and stored); the asker gets a short private answer saying it was
posted, or why not.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.commands.paper import PaperCommand
from bot.commands.request import CommandRequest
from bot.errors import DeliveryError
from bot.models import Destination
from bot.replies import ErrorView, MessageView, Reply, msg
from bot.subscriptions.menu import TagMenus

__all__ = ["MENU_COMMAND", "register_menu_command"]

MENU_COMMAND = "tags menu"


def register_menu_command(
    paper: PaperCommand, menus: TagMenus, admin_user_ids: Collection[str] = ()
) -> None:
    """Add `tags menu` to `/paper`; platform admins and `admin_user_ids` may use it."""

    async def handle(request: CommandRequest, _rest: str) -> Reply:
        if not (request.platform_admin or request.user in admin_user_ids):
            return Reply(ErrorView(msg("channel.not_admin")), locale=request.locale)
        where = Destination(
            request.platform, request.workspace, request.channel, locale=request.locale
        )
        try:
            menu = await menus.post(where)
        except DeliveryError as exc:
            return Reply(ErrorView(msg("menu.failed", reason=str(exc))), locale=request.locale)
        line = msg("menu.posted", count=len(menu.items)) if menu.items else msg("menu.posted_empty")
        return Reply(MessageView(lines=(line,)), locale=request.locale)

    paper.register(MENU_COMMAND, handle)
