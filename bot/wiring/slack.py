"""Slack as a platform of the running service: the factory reads the environment, the platform
builds the Bolt app, the transport and the listeners' services.

This module is cheap to import: slack_bolt and slack_sdk are imported only once Slack is
configured (`paperbot run` without Slack variables never loads them).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.slack.settings import CREDENTIALS_HINT, SlackSettings
from bot.models import Platform

if TYPE_CHECKING:
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.listeners import SlackListeners
    from bot.app import App
    from bot.delivery.publisher import Route
    from bot.replies import Reply
    from bot.wiring import PlatformContext

__all__ = ["SlackFactory", "SlackPlatform"]

log = logging.getLogger(__name__)


class SlackFactory:
    """Slack from `SLACK_*` variables (see `adapters.slack.settings`)."""

    platform = Platform.SLACK
    credentials_hint = CREDENTIALS_HINT

    def from_env(self, environ: Mapping[str, str]) -> SlackPlatform | None:
        """None without Slack variables; ConfigError naming what is missing or malformed."""
        settings = SlackSettings.from_env(environ)
        if settings is None:
            return None
        templates = environ.get("PAPERBOT_TEMPLATES_DIR", "").strip()
        return SlackPlatform(settings, Path(templates) if templates else None)


class SlackPlatform:
    """One Bolt app, one transport, the same listeners over HTTP or Socket Mode."""

    platform = Platform.SLACK

    def __init__(self, settings: SlackSettings, templates_dir: Path | None = None) -> None:
        self.settings = settings
        self._templates_dir = templates_dir
        self._app: App | None = None
        self._bolt: AsyncApp | None = None
        self._client: AsyncWebClient | None = None
        self._listeners: SlackListeners | None = None
        self._team: str | None = None

    def __repr__(self) -> str:
        return f"SlackPlatform({self.settings!r})"

    # -- built before delivery ----------------------------------------------------------------

    def route(self, app: App) -> Route:
        """Slack's renderer and transport (the delivery routes hold them)."""
        from adapters.slack.transport import SlackTransport
        from bot.app import renderer_for
        from bot.delivery.publisher import Route

        self._app = app
        self._ensure_bolt()
        renderer = renderer_for(Platform.SLACK, self._templates_dir)
        return Route(renderer, SlackTransport(self._client_for))

    def mount(self, web_app: web.Application) -> None:
        """`POST /slack/events` on the service's HTTP server (nothing in Socket Mode)."""
        from adapters.slack.bolt import SlackHttp

        bolt, listeners = self._ensure_bolt()
        SlackHttp(bolt, listeners).mount(web_app)

    def checks(self) -> Mapping[str, Callable[[], Awaitable[bool]]]:
        """`/readyz`: Slack is ready once the listeners are served and the token was accepted."""

        async def slack() -> bool:
            return self._listeners is not None and self._listeners.ready and bool(self._team)

        return {"slack": slack}

    # -- running ------------------------------------------------------------------------------

    async def start(self, context: PlatformContext) -> None:
        """Give the listeners the core's services, check the token once."""
        from adapters.slack.admins import WorkspaceAdmins
        from adapters.slack.listeners import SlackServices
        from bot.app import renderer_for
        from bot.store.slack_events import SqlSeenEvents

        _bolt, listeners = self._ensure_bolt()
        app = context.app
        renderer = renderer_for(Platform.SLACK, context.templates_dir)
        declared = {d.key: d.destination.locale for d in context.delivery.config.destinations}

        async def locale(workspace: str, channel: str) -> str:
            settings = await context.delivery.catalog.get(f"slack:{workspace}:{channel}")
            if settings is not None:
                return str(settings.destination.locale)
            return str(declared.get(f"slack:{workspace}:{channel}", "ko"))

        def render(reply: Reply) -> Any:
            return renderer.render_reply(reply)

        listeners.services = SlackServices(
            answer=context.paper.handle,
            render=render,
            locale=locale,
            reactions=context.reactions.handle,
            seen=SqlSeenEvents(app.engine, app.clock),
            metrics=context.metrics,
            admins=WorkspaceAdmins(),
        )
        await self._check_token()

    async def stop(self) -> None:
        """Nothing to close in HTTP mode: the HTTP server stops the requests."""

    # -- helpers ------------------------------------------------------------------------------

    def _ensure_bolt(self) -> tuple[AsyncApp, SlackListeners]:
        if self._bolt is None or self._listeners is None:
            from adapters.slack.bolt import build_bolt_app
            from adapters.slack.clients import web_client
            from adapters.slack.listeners import SlackListeners

            self._client = web_client(self.settings.api_base_url, self.settings.bot_token)
            self._listeners = SlackListeners()
            self._bolt = build_bolt_app(self.settings.signing_secret, self._client, self._listeners)
        return self._bolt, self._listeners

    async def _client_for(self, workspace: str) -> AsyncWebClient:
        """The bot token's client (one workspace: every destination's)."""
        assert self._client is not None
        return self._client

    async def _check_token(self) -> None:
        """auth.test once: a wrong token is logged now, not at the first digest."""
        from slack_sdk.errors import SlackApiError

        assert self._client is not None
        try:
            answer = await self._client.auth_test()
        except SlackApiError as exc:
            log.error("Slack refused SLACK_BOT_TOKEN: %s", exc.response.get("error"))
            return
        except Exception as exc:  # boundary: Slack unreachable; digests retry later
            log.warning("Slack unreachable at %s: %s", self.settings.api_base_url, exc)
            return
        self._team = str(answer.get("team_id", ""))
        log.info("Slack: bot %s in workspace %s", answer.get("user_id"), self._team)
