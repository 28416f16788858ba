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
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.listeners import SlackListeners, register

__all__ = ["EVENTS_PATH", "INSTALL_PATH", "REDIRECT_PATH", "SlackHttp", "build_bolt_app"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


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


def build_oauth_bolt_app(
    signing_secret: str,
    client: AsyncWebClient,
    listeners: SlackListeners,
    *,
    client_id: str,
    client_secret: str,
    scopes: tuple[str, ...],
    installations: AsyncInstallationStore,
    states: AsyncOAuthStateStore,
    authorize_url: str,
) -> AsyncApp:
    """Many workspaces: each request is authorized from its workspace's installation.

    The store is given to `AsyncApp` itself, not only to the OAuth settings: then Bolt builds
    the authorizer (and its token rotator) on `client`, so `oauth.v2.access`, `auth.test` and
    token refreshes all use `SLACK_API_BASE_URL` (the settings' own authorizer would build a
    default client on slack.com). Once the flow has saved an installation, the listeners are
    told (`on_installed`: what that workspace's uninstall paused resumes), then Bolt's own
    success page answers.
    """

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        found = args.installation
        if found.team_id:  # an org-wide (Enterprise Grid) installation has none: unsupported
            try:
                await listeners.on_installed(found.enterprise_id, found.team_id)
            except Exception:  # boundary: the installation is saved; the page still says so
                log.exception(
                    "Slack workspace %s installed: resuming its pauses failed", found.team_id
                )
        return await args.default.success(args)

    async def failed(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    oauth = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes),
        installation_store=installations,
        state_store=states,
        authorization_url=authorize_url,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=installed, failure=failed),
    )
    app = AsyncApp(
        signing_secret=signing_secret,
        client=client,
        installation_store=installations,
        oauth_settings=oauth,
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
        if self._app.oauth_flow is not None:
            web_app.router.add_get(INSTALL_PATH, self.install)
            web_app.router.add_get(REDIRECT_PATH, self.redirect)

    async def install(self, request: web.Request) -> web.Response:
        """`/slack/install`: the "Add to Slack" page with a fresh OAuth state."""
        flow = self._app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(self, request: web.Request) -> web.Response:
        """`/slack/oauth_redirect`: exchange the code (oauth.v2.access), store the installation."""
        flow = self._app.oauth_flow
        assert flow is not None
        answer = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    async def events(self, request: web.Request) -> web.Response:
        """One request from Slack, answered as Bolt answers it."""
        if not self._listeners.ready:
            return web.Response(status=503, text="starting")
        bolt_request = await to_bolt_request(request)
        bolt_response = await self._app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)
