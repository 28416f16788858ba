"""Reading a message's reactions on Discord for the reconcile pass:
`GET /channels/{channel}/messages/{message}/reactions/{emoji}`, 100 users a page (`after` the
last one), for normal and for super (burst) reactions, through discord.py's REST client (its
per-route buckets and 429 handling; a longer limit surfaces as `RateLimited` and is waited out
here). A thread reply is read inside its thread, whose id is its header's message id; a
personal DM digest's message (channel `@<user id>`, as the ledger keeps it) inside that person's
DM channel, opened (`POST /users/@me/channels`, the same channel every time) once per person.
A message Discord will not show any more (deleted; its channel deleted, 10003; its guild removed
the bot while paperbot was down, 403 / 50001) is unreadable, not a failed pass for every guild.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

import discord
from discord.http import HTTPClient

from bot.digest.personal import DM_PREFIX
from bot.subscriptions.reconcile import Reactable

__all__ = ["DiscordReactionReader"]

log = logging.getLogger(__name__)

PAGE = 100
NORMAL: Literal[0] = 0
BURST: Literal[1] = 1
RATE_LIMIT_RETRIES = 5
_NAME_OR_ID = re.compile(r"[A-Za-z0-9_+\-]+")
"""Slack-style names (`bell`) and bare custom-emoji ids: not readable as a unicode emoji."""


class DiscordReactionReader:
    """`ReactionReader` over discord.py's HTTP client (`http` gives the logged-in one)."""

    def __init__(self, http: Callable[[], HTTPClient]) -> None:
        self._http = http
        self._dms: dict[str, str] = {}  # user id -> their DM channel id

    async def reactions(self, message: Reactable) -> Mapping[str, frozenset[str]] | None:
        """Who reacts with each unicode emoji of the message; None when it is gone or
        unreadable (Unknown Message or Channel, Missing Access)."""
        ref = message.ref
        channel = message.thread_of.message_id if message.thread_of else ref.channel
        found: dict[str, frozenset[str]] = {}
        try:
            if channel.startswith(DM_PREFIX):
                channel = await self._dm(channel.removeprefix(DM_PREFIX))
            for emoji in sorted(message.emoji):
                if _NAME_OR_ID.fullmatch(emoji):
                    continue
                users = set()
                for kind in (NORMAL, BURST):
                    users |= await self._users(channel, ref.message_id, emoji, kind)
                if users:
                    found[emoji] = frozenset(users)
        except (discord.NotFound, discord.Forbidden) as exc:
            log.info(
                "reconcile: message %s in %s cannot be read (%s)", ref.message_id, channel, exc
            )
            return None
        return found

    async def _dm(self, user: str) -> str:
        if user not in self._dms:
            opened: Any = await self._http().start_private_message(user)
            self._dms[user] = str(opened["id"])
        return self._dms[user]

    async def _users(self, channel: str, message: str, emoji: str, kind: Literal[0, 1]) -> set[str]:
        users: set[str] = set()
        after: str | None = None
        while True:
            page = await self._page(channel, message, emoji, after, kind)
            users.update(str(u["id"]) for u in page)
            if len(page) < PAGE:
                return users
            after = str(page[-1]["id"])

    async def _page(
        self, channel: str, message: str, emoji: str, after: str | None, kind: Literal[0, 1]
    ) -> list[Any]:
        for _ in range(RATE_LIMIT_RETRIES):
            try:
                call = self._http().get_reaction_users(
                    channel, message, emoji, PAGE, after=after, type=kind
                )
                return list(await call)
            except discord.RateLimited as exc:  # longer than discord.py waits by itself
                log.info("reconcile: Discord rate limit, waiting %.1fs", exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise RuntimeError(f"Discord kept rate-limiting reaction reads in {channel}")
