"""`SlackTransport`: digests out through chat.postMessage, corrections through chat.update, the
bot's own reactions (a tag menu's numbers) through reactions.add and reactions.remove.

Digests never unfurl (twenty paper links would bury the channel) and never parse names into
mentions. A person's DM is the channel `@<user id>` (the core's address for it): the transport
opens it with `conversations.open` (Slack answers the same `D…` channel every time), remembers
it, and posts and edits there, while the reference it returns keeps `@<user id>`, as the ledger
stores it.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import ClientSource
from adapters.slack.errors import delivery_error, slack_error_code
from bot.models import Destination, MessageRef, Platform
from bot.payloads import SlackPayload

__all__ = ["DM_PREFIX", "SlackTransport"]

DM_PREFIX = "@"


class SlackTransport:
    """Implements `bot.ports.Transport[SlackPayload]`; raises only `DeliveryError`."""

    def __init__(self, clients: ClientSource) -> None:
        self._clients = clients
        self._dms: dict[tuple[str, str], str] = {}
        """(workspace, user id) → the `D…` channel Slack opened for them."""

    async def post(
        self,
        destination: Destination,
        payload: SlackPayload,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,  # Slack has no idempotency key: the ledger is the guard
    ) -> MessageRef:
        """Post one message (in `thread` when given) and return its `ts`."""
        try:
            client = await self._clients(destination.workspace)
            args: dict[str, Any] = {
                "channel": await self._channel(client, destination.workspace, destination.channel),
                "text": payload.text,
                "blocks": list(payload.blocks),
                "unfurl_links": False,
                "unfurl_media": False,
            }
            if thread is not None:
                args["thread_ts"] = thread.message_id
            response = await client.chat_postMessage(**args)
        except Exception as exc:
            raise _as_delivery_error(exc, destination) from exc
        channel = destination.channel
        if not channel.startswith(DM_PREFIX):
            channel = str(response.get("channel") or channel)
        return MessageRef(Platform.SLACK, destination.workspace, channel, str(response["ts"]))

    async def edit(self, ref: MessageRef, payload: SlackPayload) -> None:
        """Replace a posted message's text and blocks in place."""
        where = Destination(Platform.SLACK, ref.workspace, ref.channel)
        try:
            client = await self._clients(ref.workspace)
            await client.chat_update(
                channel=await self._channel(client, ref.workspace, ref.channel),
                ts=ref.message_id,
                text=payload.text,
                blocks=list(payload.blocks),
            )
        except Exception as exc:
            raise _as_delivery_error(exc, where) from exc

    async def add_reaction(self, ref: MessageRef, emoji: str) -> None:
        """React as the bot (`emoji` is Slack's name, e.g. `three`); already there is fine."""
        await self._reaction(ref, emoji, add=True)

    async def remove_reaction(self, ref: MessageRef, emoji: str) -> None:
        """Take the bot's reaction off; not there is fine."""
        await self._reaction(ref, emoji, add=False)

    async def _reaction(self, ref: MessageRef, emoji: str, *, add: bool) -> None:
        where = Destination(Platform.SLACK, ref.workspace, ref.channel)
        try:
            client = await self._clients(ref.workspace)
            channel = await self._channel(client, ref.workspace, ref.channel)
            call = client.reactions_add if add else client.reactions_remove
            await call(channel=channel, name=emoji, timestamp=ref.message_id)
        except SlackApiError as exc:
            if slack_error_code(exc) in ("already_reacted", "no_reaction"):
                return  # what was asked for already holds
            raise _as_delivery_error(exc, where) from exc
        except Exception as exc:
            raise _as_delivery_error(exc, where) from exc

    async def _channel(self, client: AsyncWebClient, workspace: str, channel: str) -> str:
        """The channel id to call Slack with: `@U…` is the DM with that user, opened once."""
        if not channel.startswith(DM_PREFIX):
            return channel
        user = channel.removeprefix(DM_PREFIX)
        known = self._dms.get((workspace, user))
        if known is None:
            response = await client.conversations_open(users=user)
            known = self._dms[(workspace, user)] = str(response["channel"]["id"])
        return known


def _as_delivery_error(exc: Exception, where: Destination) -> Exception:
    """Slack's failures as `DeliveryError`; anything else (a bug) as it was."""
    error = delivery_error(exc, where)
    return error if error is not None else exc
