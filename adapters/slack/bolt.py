"""The Bolt `AsyncApp`, built on one configured `AsyncWebClient` and mounted on our aiohttp server.

Bolt ships no handler for an existing aiohttp application, so `SlackHttp` does what Bolt's own
`AsyncSlackAppServer` does: `to_bolt_request`, `async_dispatch` (signature check, authorization,
`url_verification`, the listeners), `to_aiohttp_response`. Before the service has started it
answers 503, which Slack retries.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.listeners import SlackListeners, register

__all__ = ["EVENTS_PATH", "SlackHttp", "build_bolt_app"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def build_bolt_app(
    signing_secret: str, client: AsyncWebClient, listeners: SlackListeners
) -> AsyncApp:
    """One workspace: the client carries the bot token (Bolt checks it with auth.test once)."""
    app = AsyncApp(
        signing_secret=signing_secret,
        client=client,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("slack_bolt"),
    )
    register(app, listeners)
    return app


class SlackHttp:
    """`POST /slack/events` (commands, events and interactivity on one URL)."""

    def __init__(self, app: AsyncApp, listeners: SlackListeners) -> None:
        self._app, self._listeners = app, listeners

    def mount(self, web_app: web.Application) -> None:
        """Add the routes to the service's aiohttp application."""
        web_app.router.add_post(EVENTS_PATH, self.events)

    async def events(self, request: web.Request) -> web.Response:
        """One request from Slack, answered as Bolt answers it."""
        if not self._listeners.ready:
            return web.Response(status=503, text="starting")
        bolt_request = await to_bolt_request(request)
        bolt_response = await self._app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)
