"""`DiscordTransport`: digests over discord.py's REST client, the payload sent as rendered.

The renderer's `DiscordPayload` is already the JSON body Discord takes, so it goes out through
`HTTPClient.request` (discord.py's buckets, 429 handling and session) without a round trip
through `discord.Embed`. Layouts (platforms.md §4 rule 4):

- a header that names a thread (`thread_name`) is posted, then a public thread is started from
  it; replies go to that thread, whose id is the header's message id, so a resumed run needs
  no state to find it;
- in a forum channel the header becomes a forum post titled by the thread name (the digest's
  days), with the forum's tags applied where they match the header's hashtags; the starter
  message shares the post's id, so replies and edits work the same way;
- inline messages go to the channel (in a forum: into the post made last for that channel);
- a person's DM (destination channel `@<user id>`, docs/subscriptions.md) is opened with
  `POST /users/@me/channels` once per user and process (Discord answers the same channel every
  time); the header and its replies all go into the DM (a DM has no threads). The returned
  reference keeps `@<user id>`, as the ledger does, and `edit` resolves it the same way. Its
  Follow buttons carry the destination's guild (`follow_scope.py`).

A thread (a digest's replies, a forum post) archives itself after a day without messages, and
Discord refuses to edit a message in an archived thread (50083) where a new message would have
unarchived it: a correction edit that meets it unarchives the thread (`archived: false`, which
Send Messages allows in a thread that is not locked) and edits again. A locked thread refuses
that (only Manage Threads reopens it), and the edit fails as "Thread is locked", saying to
unlock it; a reply posted into it fails with Discord's 50083, saying the same.

The bot's own reactions (a tag menu's numbers) go through discord.py's own-reaction calls
(`PUT`/`DELETE …/reactions/{emoji}/@me`), which Discord answers 204 whether or not they changed
anything.

Every post carries a `nonce` with `enforce_nonce`: a retried post Discord already took comes
back as the same message instead of a duplicate (for a few minutes; the ledger covers the rest).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord.http import HTTPClient, Route

from adapters.discord.errors import Action, delivery_error, locked_thread
from adapters.discord.follow_scope import scoped_follow_rows
from bot.digest.personal import DM_PREFIX
from bot.errors import DeliveryError
from bot.models import Destination, MessageRef, Platform
from bot.payloads import DiscordPayload

__all__ = ["DiscordTransport"]

FORUM = 15
THREAD_ARCHIVE_MINUTES = 1440
THREAD_ARCHIVED = 50083
LOGIN_WAIT_SECONDS = 30.0
T = TypeVar("T")
_HASHTAG = re.compile(r"#([\w\-]+)")


def _wire(payload: DiscordPayload, nonce: str | None) -> dict[str, Any]:
    """The JSON body: the payload without our local keys, plus the nonce."""
    body = payload.to_json()
    body.pop("thread", None)
    body.pop("thread_name", None)
    if not body.get("content"):
        body.pop("content", None)
    if nonce:
        body["nonce"] = nonce[:25]
        body["enforce_nonce"] = True
    return body


def _scope_follow(body: dict[str, Any], guild: str) -> None:
    if body.get("components"):
        body["components"] = scoped_follow_rows(list(body["components"]), guild)


def _tag_key(name: str) -> str:
    return name.casefold().replace("_", "-").lstrip("#")


class DiscordTransport:
    """Posts and edits digest messages; raises `DeliveryError` (see `errors.py`)."""

    def __init__(self, http: Callable[[], HTTPClient], logged_in: asyncio.Event) -> None:
        """`http` gives the client's REST session; `logged_in` is set once it can be used."""
        self._http, self._logged_in = http, logged_in
        self._channel_types: dict[str, dict[str, Any]] = {}
        self._forum_posts: dict[str, str] = {}  # forum channel -> the last post made there
        self._dms: dict[str, str] = {}  # user id -> their DM channel id

    async def post(
        self,
        destination: Destination,
        payload: DiscordPayload,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        """Post one message; a header that names a thread gets its thread (or forum post)."""
        body = _wire(payload, nonce)
        if destination.channel.startswith(DM_PREFIX):
            return await self._post_dm(destination, body)
        if thread is not None:  # the thread started from the header has the header's id
            return await self._send(destination, thread.message_id, body, Action.REPLY)
        channel = destination.channel
        info = await self._call(channel, Action.POST, lambda h: self._channel(h, channel))
        if info.get("type") == FORUM:
            return await self._forum(destination, info, payload, body)
        ref = await self._send(destination, channel, body, Action.POST)
        if payload.thread_name:
            await self._start_thread(channel, ref.message_id, payload.thread_name)
        return ref

    async def edit(self, ref: MessageRef, payload: DiscordPayload) -> None:
        """Replace a posted message's content (corrections, merged parts)."""
        body = _wire(payload, None)
        body.setdefault("content", "")
        body.setdefault("components", [])  # an edit without buttons drops the old ones
        channel = ref.channel
        if channel.startswith(DM_PREFIX):
            _scope_follow(body, ref.workspace)
            channel = await self._dm_channel(channel)
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel,
            message_id=ref.message_id,
        )

        async def edit(http: HTTPClient) -> None:
            try:
                await http.request(route, json=body)
            except discord.HTTPException as exc:
                if exc.code != THREAD_ARCHIVED:
                    raise
                try:
                    await self._unarchive(http, channel)
                except discord.Forbidden as refused:  # locked: reopened by moderators only
                    raise locked_thread(channel) from refused
                await http.request(route, json=body)

        await self._call(ref.channel, Action.EDIT, edit)

    @staticmethod
    async def _unarchive(http: HTTPClient, thread: str) -> None:
        """Open an archived thread again, so a message in it can be edited."""
        route = Route("PATCH", "/channels/{channel_id}", channel_id=thread)
        await http.request(route, json={"archived": False})

    async def add_reaction(self, ref: MessageRef, emoji: str) -> None:
        """React as the bot (`PUT …/reactions/{emoji}/@me`; already there is fine)."""
        channel = await self._reaction_channel(ref)
        await self._call(
            channel,
            Action.REACT,
            lambda h: h.add_reaction(channel, ref.message_id, emoji),
        )

    async def remove_reaction(self, ref: MessageRef, emoji: str) -> None:
        """Take the bot's own reaction off (`DELETE …/reactions/{emoji}/@me`)."""
        channel = await self._reaction_channel(ref)
        await self._call(
            channel,
            Action.REACT,
            lambda h: h.remove_own_reaction(channel, ref.message_id, emoji),
        )

    async def _reaction_channel(self, ref: MessageRef) -> str:
        if ref.channel.startswith(DM_PREFIX):
            return await self._dm_channel(ref.channel)
        return ref.channel

    async def _post_dm(self, destination: Destination, body: dict[str, Any]) -> MessageRef:
        """Into the person's DM: every part (no thread); the reference keeps `@<user id>`.
        Follow buttons name the destination's guild (a click in a DM does not)."""
        _scope_follow(body, destination.workspace)
        channel = await self._dm_channel(destination.channel)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
        call = self._call(destination.channel, Action.DM, lambda h: h.request(route, json=body))
        data = await call
        return MessageRef(
            Platform.DISCORD, destination.workspace, destination.channel, str(data["id"])
        )

    async def _dm_channel(self, channel: str) -> str:
        """The DM channel id for `@<user id>`, opened once per user and process."""
        user = channel[len(DM_PREFIX) :]
        if user not in self._dms:
            route = Route("POST", "/users/@me/channels")
            body = {"recipient_id": user}
            data = await self._call(channel, Action.DM, lambda h: h.request(route, json=body))
            self._dms[user] = str(data["id"])
        return self._dms[user]

    async def _channel(self, http: HTTPClient, channel: str) -> dict[str, Any]:
        """The channel's type and tags, fetched once per process (a forum stays a forum)."""
        if channel not in self._channel_types:
            route = Route("GET", "/channels/{channel_id}", channel_id=channel)
            self._channel_types[channel] = await http.request(route)
        return self._channel_types[channel]

    async def _send(
        self, destination: Destination, channel: str, body: dict[str, Any], action: Action
    ) -> MessageRef:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
        data = await self._call(channel, action, lambda h: h.request(route, json=body))
        return MessageRef(Platform.DISCORD, destination.workspace, channel, str(data["id"]))

    async def _start_thread(self, channel: str, message_id: str, name: str) -> None:
        route = Route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            channel_id=channel,
            message_id=message_id,
        )
        body = {"name": name[:100], "auto_archive_duration": THREAD_ARCHIVE_MINUTES}
        await self._call(channel, Action.THREAD, lambda h: h.request(route, json=body))

    async def _forum(
        self,
        destination: Destination,
        info: dict[str, Any],
        payload: DiscordPayload,
        body: dict[str, Any],
    ) -> MessageRef:
        channel = destination.channel
        last = self._forum_posts.get(channel)
        if not payload.thread_name and last is not None:  # an inline part: into the last post
            return await self._send(destination, last, body, Action.REPLY)
        body.pop("enforce_nonce", None)  # forum posts take no nonce
        body.pop("nonce", None)
        name = (payload.thread_name or destination.name or "paperbot")[:100]
        post: dict[str, Any] = {
            "name": name,
            "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
            "message": body,
        }
        if tags := self._applied_tags(info, payload):
            post["applied_tags"] = tags
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=channel)
        data = await self._call(channel, Action.FORUM, lambda h: h.request(route, json=post))
        thread_id = str(data["id"])
        self._forum_posts[channel] = thread_id
        message_id = str((data.get("message") or {}).get("id") or thread_id)
        return MessageRef(Platform.DISCORD, destination.workspace, thread_id, message_id)

    @staticmethod
    def _applied_tags(info: dict[str, Any], payload: DiscordPayload) -> list[str]:
        """The forum's tags named by a hashtag in the header (at most 5, Discord's limit)."""
        shown = {
            _tag_key(tag)
            for embed in payload.embeds
            for item in embed.get("fields", [])
            for tag in _HASHTAG.findall(str(item.get("value", "")).replace("\\", ""))
        }
        available = info.get("available_tags") or []
        return [str(t["id"]) for t in available if _tag_key(str(t.get("name", ""))) in shown][:5]

    async def _call(
        self, channel: str, action: Action, call: Callable[[HTTPClient], Awaitable[T]]
    ) -> T:
        if not self._logged_in.is_set():
            try:
                await asyncio.wait_for(self._logged_in.wait(), LOGIN_WAIT_SECONDS)
            except TimeoutError:
                raise DeliveryError(
                    "Discord: the bot has not logged in yet", retryable=True
                ) from None
        try:
            return await call(self._http())
        except (TimeoutError, discord.DiscordException, OSError) as exc:
            error = delivery_error(exc, channel, action)
            if error is None:
                raise
            raise error from exc
