"""Socket Mode: the same Bolt app fed over a WebSocket we open (teams without a public URL).

`AsyncSocketModeHandler` runs inside our event loop (`connect_async`, never `start_async`, which
would block forever); its client asks `apps.connections.open` through the app's own client, so
`SLACK_API_BASE_URL` holds here too, and reconnects by itself when Slack drops the socket. A
first connection that fails (Slack unreachable at start) is retried every `RETRY_SECONDS` by a
task of ours until it succeeds or the service stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

__all__ = ["SocketMode"]

log = logging.getLogger(__name__)

RETRY_SECONDS = 10.0


class SocketMode:
    """One Socket Mode connection for `app`."""

    def __init__(self, app: AsyncApp, app_token: str, retry: float = RETRY_SECONDS) -> None:
        self._handler = AsyncSocketModeHandler(app, app_token, web_client=app.client)
        self._retry = retry
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect now, or keep trying in the background; returns promptly either way."""
        if not await self._connect():
            self._task = asyncio.create_task(self._keep_trying(), name="slack-socket-mode")

    async def connected(self) -> bool:
        """The WebSocket is open."""
        return bool(await self._handler.client.is_connected())

    async def stop(self) -> None:
        """Close the WebSocket and stop trying."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._handler.close_async()  # type: ignore[no-untyped-call]

    async def _connect(self) -> bool:
        try:
            await self._handler.connect_async()  # type: ignore[no-untyped-call]
        except Exception as exc:  # boundary: Slack unreachable; try again later
            log.warning("Slack Socket Mode: cannot connect (%s); retrying", exc)
            return False
        log.info("Slack: Socket Mode connected")
        return True

    async def _keep_trying(self) -> None:
        while True:
            await asyncio.sleep(self._retry)
            if await self._connect():
                return
