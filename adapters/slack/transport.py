"""`SlackTransport`: digests out through chat.postMessage, corrections through chat.update.

Digests never unfurl (twenty paper links would bury the channel) and never parse names into
mentions. The reference returned is the channel Slack answers with, so a digest sent to a user id
is found again by the reactions on its `D…` channel.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.clients import ClientSource
from adapters.slack.errors import delivery_error
from bot.models import Destination, MessageRef, Platform
from bot.payloads import SlackPayload

__all__ = ["SlackTransport"]


class SlackTransport:
    """Implements `bot.ports.Transport[SlackPayload]`; raises only `DeliveryError`."""

    def __init__(self, clients: ClientSource) -> None:
        self._clients = clients

    async def post(
        self,
        destination: Destination,
        payload: SlackPayload,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,  # Slack has no idempotency key: the ledger is the guard
    ) -> MessageRef:
        """Post one message (in `thread` when given) and return its `ts`."""
        args: dict[str, Any] = {
            "channel": destination.channel,
            "text": payload.text,
            "blocks": list(payload.blocks),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread is not None:
            args["thread_ts"] = thread.message_id
        try:
            client = await self._clients(destination.workspace)
            response = await client.chat_postMessage(**args)
        except Exception as exc:
            raise _as_delivery_error(exc, destination) from exc
        channel = str(response.get("channel") or destination.channel)
        return MessageRef(Platform.SLACK, destination.workspace, channel, str(response["ts"]))

    async def edit(self, ref: MessageRef, payload: SlackPayload) -> None:
        """Replace a posted message's text and blocks in place."""
        where = Destination(Platform.SLACK, ref.workspace, ref.channel)
        try:
            client = await self._clients(ref.workspace)
            await client.chat_update(
                channel=ref.channel,
                ts=ref.message_id,
                text=payload.text,
                blocks=list(payload.blocks),
            )
        except Exception as exc:
            raise _as_delivery_error(exc, where) from exc


def _as_delivery_error(exc: Exception, where: Destination) -> Exception:
    """Slack's failures as `DeliveryError`; anything else (a bug) as it was."""
    error = delivery_error(exc, where)
    return error if error is not None else exc
