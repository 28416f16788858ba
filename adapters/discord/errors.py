"""Discord failures as `DeliveryError`s: retryable or permanent, in one table (platforms.md §2.5).

discord.py already sleeps through a 429 up to the client's `max_ratelimit_timeout` and retries
500/502/504/524 itself; what reaches here is what it gave up on, so the ledger's retry policy is
the only retry left: a `RateLimited` (a longer wait than we let discord.py sleep) keeps its
`retry_after`, a 5xx or a timeout is retried with backoff, and the codes below are permanent.
A permanent error says what to do, naming the permission to grant and the channel: in English
in its message (logs, the ledger), and as the catalogue sentence `advice.discord.<code>` (values
`channel`, `permissions`: Discord `Markup`, a clickable mention and code spans the renderer keeps
while it escapes the rest) that the admin alert says in the admin channel's language. The pause
keeps the code (with the action, for the permissions), so `advice_for` says it again when shown:
to the admin for a channel, and for a person's DM (`@<user id>`) whose code is in `DM_ADVICE`,
to that person (`advice.discord.dm.<code>`: what they can do), since only they read it there.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

import aiohttp
import discord

from bot.errors import DeliveryError
from bot.models import Destination, ErrorCode, Platform
from bot.replies import Markup, Text, msg

__all__ = [
    "DM_ADVICE",
    "LOCKED_THREAD",
    "Action",
    "advice_for",
    "delivery_error",
    "locked_thread",
]


class Action(StrEnum):
    """What the bot was doing: decides which permission a 403 asks for."""

    POST = "post"
    THREAD = "thread"
    REPLY = "reply"
    FORUM = "forum"
    EDIT = "edit"
    DM = "dm"
    REACT = "react"


PERMISSIONS: dict[Action, tuple[str, ...]] = {
    Action.POST: ("View Channel", "Send Messages", "Embed Links"),
    Action.THREAD: ("Create Public Threads",),
    Action.REPLY: ("Send Messages in Threads", "Embed Links"),
    Action.FORUM: ("View Channel", "Send Messages (Create Posts)", "Embed Links"),
    Action.EDIT: ("View Channel", "Read Message History"),
    Action.DM: ("Send Messages",),
    Action.REACT: ("Add Reactions", "Read Message History"),
}
"""The permissions an action needs, as Discord's settings name them."""


def _english(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


LOCKED_THREAD = 160005
"""Discord's "Thread is locked"; also what a refused unarchive of an archived thread is
reported as (only a locked thread refuses it to a bot that may post there)."""


@dataclass(frozen=True, slots=True)
class Known:
    """A Discord JSON error code we expect, and what the operator should do about it."""

    name: str
    advice: str
    permissions: tuple[str, ...] = ()
    """What `{permissions}` names when it is the same whatever the bot was doing."""


_LOCKED = (
    "thread {channel} is archived and locked, so paperbot cannot reopen it: unlock it "
    "(a moderator), or grant paperbot {permissions} there"
)
PERMANENT: dict[int, Known] = {
    50001: Known("Missing Access", "grant paperbot {permissions} in channel {channel}"),
    50013: Known("Missing Permissions", "grant paperbot {permissions} in channel {channel}"),
    10003: Known(
        "Unknown Channel",
        "channel {channel} does not exist or paperbot was removed from its server; "
        "fix the destination",
    ),
    10008: Known("Unknown Message", "the message in channel {channel} was deleted"),
    10014: Known("Unknown Emoji", "a paperbot bug: Discord does not know that emoji"),
    40005: Known(
        "Request entity too large", "a renderer bug: the message is over Discord's limits"
    ),
    50035: Known("Invalid Form Body", "a renderer bug: Discord refused the payload"),
    50007: Known(
        "Cannot send messages to this user",
        "{channel} does not accept DMs from paperbot (their privacy settings, no server "
        "shared, or they blocked it); their DM digests pause until they subscribe or set a "
        "cadence again",
    ),
    50024: Known(
        "Cannot execute action on this channel type",
        "channel {channel} is not a text or forum channel",
    ),
    40067: Known(
        "A tag is required to create a forum post in this channel",
        "forum {channel} requires a tag on every post and none of its tags matches the "
        "digest's hashtags: add one of the forum's tags to a paper's hashtags, or make tags "
        "optional in the forum's settings",
    ),
    50083: Known(
        "Thread is archived",
        _LOCKED,
        ("Manage Threads",),
    ),
    LOCKED_THREAD: Known(
        "Thread is locked",
        _LOCKED,
        ("Manage Threads",),
    ),
}
IN_THREAD = frozenset({50083, LOCKED_THREAD})
"""Codes about one thread (a digest's, a forum post), not the destination's channel: the pause
keeps the thread's id as the code's detail, so the advice names it again when shown."""
DM_ADVICE = frozenset({50007})
"""Codes whose advice speaks of a person to an admin: a person's DM (`@<user id>`) says
`advice.discord.dm.<code>` instead, to the person its notice is for (the alert keeps the
admin's sentence)."""


def delivery_error(exc: BaseException, channel: str, action: Action) -> DeliveryError | None:
    """The `DeliveryError` for a failure talking to Discord about `channel`; None if it is not
    one (a bug here is raised as it is)."""
    if isinstance(exc, discord.RateLimited):
        return DeliveryError(
            f"Discord rate limit: retry after {exc.retry_after:.1f}s",
            retryable=True,
            retry_after=exc.retry_after,
        )
    if isinstance(exc, discord.HTTPException):
        return _http_error(exc, channel, action)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ClientError | ConnectionError):
        return DeliveryError(f"Discord unreachable: {type(exc).__name__}: {exc}", retryable=True)
    return None


def _http_error(exc: discord.HTTPException, channel: str, action: Action) -> DeliveryError:
    status, code = exc.status, exc.code
    if status == 429:  # a ban by Cloudflare, or a 429 discord.py stopped retrying
        retry_after = _header_seconds(exc)
        return DeliveryError(
            f"Discord HTTP 429: {exc.text}", retryable=True, retry_after=retry_after
        )
    if status >= 500:
        return DeliveryError(f"Discord HTTP {status}: {exc.text}", retryable=True)
    if status == 401:
        return DeliveryError(
            "Discord HTTP 401 Unauthorized: DISCORD_BOT_TOKEN is invalid or was reset",
            retryable=False,
        )
    if code not in PERMANENT:
        return DeliveryError(f"Discord HTTP {status} code {code}: {exc.text}", retryable=False)
    return _permanent(code, channel, action)


def locked_thread(thread: str) -> DeliveryError:
    """A thread paperbot must reopen (to edit in it) whose unarchive Discord refused."""
    return _permanent(LOCKED_THREAD, thread, Action.EDIT)


def _permanent(code: int, channel: str, action: Action) -> DeliveryError:
    known = PERMANENT[code]
    where = f"<#{channel}> (id {channel})"
    if channel.startswith("@"):  # a person's DM, `@<user id>`
        where = f"user {channel[1:]}"
    names = known.permissions or PERMISSIONS[action]
    advice = known.advice.format(permissions=_english(names), channel=where)
    detail = action.value if "{permissions}" in known.advice and not known.permissions else ""
    if code in IN_THREAD:
        detail = channel
    return DeliveryError(
        f"Discord {known.name} ({code}): {advice}",
        retryable=False,
        code=str(code),
        advice=_advice(channel, ErrorCode(str(code), detail)),
        detail=detail,
    )


def advice_for(where: Destination, code: ErrorCode) -> Text | None:
    """The catalogue sentence `advice.discord.<code>` for `where`, `advice.discord.dm.<code>`
    for a person's DM where it differs (the person reads it); None for a code with no advice."""
    if where.channel.startswith("@") and code.code in {str(c) for c in DM_ADVICE}:
        return msg(f"advice.discord.dm.{code.code}")
    return _advice(where.channel, code)


def _advice(channel: str, code: ErrorCode) -> Text | None:
    """The advice for `code` in `channel`; its detail names the action whose permissions it
    asks for (none, or one unknown: posting's), or for a thread's code that thread."""
    if not (code.code.isascii() and code.code.isdigit()) or int(code.code) not in PERMANENT:
        return None
    try:
        action = Action(code.detail)
    except ValueError:
        action = Action.POST
    names = PERMANENT[int(code.code)].permissions or PERMISSIONS[action]
    if int(code.code) in IN_THREAD and code.detail.isascii() and code.detail.isdigit():
        channel = code.detail  # the thread, not the destination's channel
    return msg(
        f"advice.discord.{code.code}",
        channel=_mention(channel),
        permissions=Markup(", ".join(f"`{name}`" for name in names), Platform.DISCORD),
    )


def _mention(channel: str) -> str | Markup:
    """`<#id> (id)` for a channel, `<@id> (id)` for a person's DM (`@<user id>`), as Discord
    markup the admin can click; an id that is not a snowflake is only text (escaped)."""
    person = channel.startswith("@")
    snowflake = channel[1:] if person else channel
    if not snowflake.isascii() or not snowflake.isdigit():
        return channel
    return Markup(f"<{'@' if person else '#'}{snowflake}> ({snowflake})", Platform.DISCORD)


def _header_seconds(exc: discord.HTTPException) -> float | None:
    raw = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
