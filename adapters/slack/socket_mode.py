"""Socket Mode: the same Bolt app fed over a WebSocket we open (teams without a public URL).

`AsyncSocketModeHandler` runs inside our event loop (`connect_async`, never `start_async`, which
would block forever); its client asks `apps.connections.open` through the app's own client, so
`SLACK_API_BASE_URL` holds here too, and it reconnects by itself when Slack asks or the socket
drops. slack_sdk's `connect()` retries a failed first connection every ping interval (10 s) and
does not return until it is connected, so it runs in a task of ours: the service starts (and
stops on SIGTERM) whether or not Slack is reachable. Each connection starts with Slack's
`hello`, which tells the platform to reconcile reactions (at start and after a reconnect).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.tasks import cancel_and_wait

__all__ = ["SocketMode"]

log = logging.getLogger(__name__)


class SocketMode:
    """One Socket Mode connection for `app`."""

    def __init__(
        self, app: AsyncApp, app_token: str, on_connected: Callable[[str], None] | None = None
    ) -> None:
        """`on_connected` is told "start" at the first connection and "reconnect" at each
        later one (Slack's `hello` opens every connection: the reconcile pass runs then)."""
        self._handler = AsyncSocketModeHandler(app, app_token, web_client=app.client)
        self._task: asyncio.Task[None] | None = None
        self._on_connected, self._hellos = on_connected, 0
        self._handler.client.message_listeners.append(self._on_message)

    async def _on_message(self, _client: object, message: dict[str, Any], _raw: object) -> None:
        if message.get("type") != "hello":
            return
        self._hellos += 1
        if self._hellos > 1:
            log.info("Slack: Socket Mode reconnected")
        if self._on_connected is not None:
            self._on_connected("start" if self._hellos == 1 else "reconnect")

    async def start(self) -> None:
        """Start connecting in the background; returns at once."""
        self._task = asyncio.create_task(self._connect(), name="slack-socket-mode")

    async def connected(self) -> bool:
        """The WebSocket is open."""
        return bool(await self._handler.client.is_connected())

    async def stop(self) -> None:
        """Close the WebSocket (which also ends a connection attempt still retrying)."""
        await self._handler.close_async()  # type: ignore[no-untyped-call]
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def _connect(self) -> None:
        await self._handler.connect_async()  # type: ignore[no-untyped-call]
        if await self.connected():
            log.info("Slack: Socket Mode connected")
