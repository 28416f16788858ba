"""Reading a message's reactions on Slack for the reconcile pass (`reactions.get`, scope
`reactions:read`, Tier 3: about 50 calls a minute).

The clients the transport uses retry nothing (the ledger retries sends); reads have no ledger,
so they go through a client with slack_sdk's own rate-limit handler, which waits out Slack's
`Retry-After` and asks again. `full=true`: without it Slack may list only part of a reaction's
users, and a person left out would read as a reaction taken back. A personal DM digest's message
(channel `@<user id>`, as the ledger keeps it) is read in that person's DM (`D…`), opened with
`conversations.open` once per person (Slack answers the same channel every time). The bot's own
reactions (a tag menu's numbers) are left out, as Bolt leaves out its events: its user id in
each workspace is the one its OAuth installation keeps (`bot_user_id`), else (one workspace's
token) asked of `auth.test` once per token. A workspace paperbot has no token for
(it removed the app), or whose token Slack refuses, makes its messages unreadable, not the whole
pass fail.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import ClientSource
from adapters.slack.errors import slack_error_code
from adapters.slack.transport import DM_PREFIX
from bot.errors import DeliveryError
from bot.models import MessageRef
from bot.subscriptions.reconcile import Reactable

__all__ = ["SlackReactionReader", "base_emoji"]

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 5
GONE = frozenset(
    {"message_not_found", "channel_not_found", "not_in_channel", "thread_not_found", "is_archived"}
)
"""A message that cannot be read any more: its reactions change nothing."""
DM_GONE = frozenset({"user_not_found", "user_disabled", "user_not_visible", "cannot_dm_bot"})
"""A DM that cannot be opened any more (the person left or was deactivated): unreadable too."""
TOKEN_GONE = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})
"""The workspace's token no longer works (revoked while paperbot was down, when no event came):
its messages are unreadable, the other workspaces' are still read."""
_SKIN_TONE = re.compile(r"::skin-tone-\d$")


def base_emoji(name: str) -> str:
    """The emoji's name without a skin tone (`thumbsup::skin-tone-2` is `thumbsup`)."""
    return _SKIN_TONE.sub("", name)


class SlackReactionReader:
    """`ReactionReader` over `reactions.get`, one workspace's bot token per message."""

    def __init__(
        self,
        client_for: ClientSource,
        stored_bot_user: Callable[[str], Awaitable[str | None]] | None = None,
    ) -> None:
        """`stored_bot_user`: the bot's user id a workspace's installation keeps (None: none
        kept, `auth.test` tells)."""
        self._client_for, self._stored_bot_user = client_for, stored_bot_user
        self._readers: dict[str, AsyncWebClient] = {}
        self._dms: dict[tuple[str, str], str] = {}  # (workspace, user id) -> their `D…` channel
        self._bots: dict[str, str] = {}  # token -> the bot's user id in its workspace

    async def _reader(self, workspace: str) -> AsyncWebClient:
        client = await self._client_for(workspace)
        token = client.token or ""
        if token not in self._readers:
            handler = AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
            self._readers[token] = AsyncWebClient(
                token=token,
                base_url=client.base_url,
                timeout=client.timeout,
                retry_handlers=[handler],
            )
        return self._readers[token]

    async def _bot_user(self, workspace: str, client: AsyncWebClient) -> str:
        token = client.token or ""
        if token not in self._bots:
            stored = await self._stored_bot_user(workspace) if self._stored_bot_user else None
            if not stored:
                stored = str((await client.auth_test()).get("user_id") or "")
            self._bots[token] = stored
        return self._bots[token]

    async def channel(self, ref: MessageRef) -> str:
        """The channel to call Slack with for `ref`: a DM's `@U…` is the person's `D…`."""
        if not ref.channel.startswith(DM_PREFIX):
            return ref.channel
        user = ref.channel.removeprefix(DM_PREFIX)
        if (ref.workspace, user) not in self._dms:
            client = await self._reader(ref.workspace)
            opened = await client.conversations_open(users=user)
            self._dms[(ref.workspace, user)] = str(opened["channel"]["id"])
        return self._dms[(ref.workspace, user)]

    async def reactions(self, message: Reactable) -> Mapping[str, frozenset[str]] | None:
        """Who reacts with each of the message's emoji; None when it is gone or unreadable."""
        ref = message.ref
        try:
            client = await self._reader(ref.workspace)
        except DeliveryError as exc:  # e.g. a workspace that removed the app: no token left
            if exc.retryable:
                raise
            log.info("reconcile: %s %s cannot be read (%s)", ref.channel, ref.message_id, exc)
            return None
        try:
            channel = await self.channel(ref)
            answer = await client.reactions_get(
                channel=channel, timestamp=ref.message_id, full=True
            )
        except SlackApiError as exc:
            code = slack_error_code(exc)
            if code in GONE or code in DM_GONE or code in TOKEN_GONE:
                log.info("reconcile: %s %s cannot be read (%s)", ref.channel, ref.message_id, code)
                return None
            raise
        bot = await self._bot_user(ref.workspace, client)
        found: dict[str, set[str]] = {}
        for reaction in (answer.get("message") or {}).get("reactions") or []:
            name = base_emoji(str(reaction.get("name", "")))
            users = {str(u) for u in reaction.get("users") or ()} - {bot}
            if name in message.emoji and users:
                found.setdefault(name, set()).update(users)
        return {name: frozenset(users) for name, users in found.items()}
