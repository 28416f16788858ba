"""Slack as a platform of the running service: the factory reads the environment, the platform
builds the Bolt app, the transport and the listeners' services.

This module is cheap to import: slack_bolt and slack_sdk are imported only once Slack is
configured (`paperbot run` without Slack variables never loads them).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.slack.settings import (
    BOT_SCOPES,
    CREDENTIALS_HINT,
    DEFAULT_API_BASE_URL,
    DEFAULT_AUTHORIZE_URL,
    SlackMode,
    SlackSettings,
)
from bot.digest.personal import Person
from bot.models import ErrorCode, Platform
from bot.wiring import Variable

if TYPE_CHECKING:
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.installations import EncryptedInstallationStore
    from adapters.slack.listeners import SlackListeners
    from adapters.slack.socket_mode import SocketMode
    from bot.app import App
    from bot.commands.request import CommandRequest
    from bot.delivery.publisher import Route
    from bot.models import Reaction
    from bot.replies import Reply
    from bot.subscriptions.confirmations import ConfirmationBundler
    from bot.subscriptions.reconcile import ReconcileRunner
    from bot.wiring import PlatformContext

__all__ = ["SlackFactory", "SlackPlatform"]

log = logging.getLogger(__name__)

INSTALL_RESUMES = ("app_uninstalled", "tokens_revoked", "not_installed")
"""The pause codes an install of the workspace lifts: those its loss leaves (Slack's event
names), and `not_installed` (a digest that found no installation of it: OAuth)."""


SLACK_SECRET = "a secret of the Slack app (Basic Information or OAuth & Permissions page)"
VARIABLES = (
    Variable("SLACK_SIGNING_SECRET", "verifies Slack's requests; with SLACK_BOT_TOKEN (one "
             "workspace) or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET (OAuth) it turns Slack on",
             secret=True),
    Variable("SLACK_BOT_TOKEN", "`xoxb-…`: the bot token of one workspace", secret=True),
    Variable("SLACK_CLIENT_ID", "OAuth (many workspaces): the app's client id"),
    Variable("SLACK_CLIENT_SECRET", "OAuth: the app's client secret", secret=True),
    Variable("SLACK_APP_TOKEN", "`xapp-…`: Socket Mode instead of HTTP request URLs (one "
             "workspace)", secret=True),
    Variable("PAPERBOT_SECRET_KEY", "Fernet keys, comma-separated: the first encrypts the tokens "
             "Slack OAuth stores, any decrypts (rotation: new,old; required with OAuth)",
             secret=True),
    Variable("SLACK_API_BASE_URL", "Slack's Web API (a proxy, or the tests' stand-in)",
             DEFAULT_API_BASE_URL),
    Variable("SLACK_AUTHORIZE_URL", "where `/slack/install` sends people (OAuth)",
             DEFAULT_AUTHORIZE_URL),
)  # fmt: skip


class SlackFactory:
    """Slack from `SLACK_*` variables (see `adapters.slack.settings`)."""

    platform = Platform.SLACK
    credentials_hint = CREDENTIALS_HINT
    variables: tuple[Variable, ...] = VARIABLES

    def from_env(self, environ: Mapping[str, str]) -> SlackPlatform | None:
        """None without Slack variables; ConfigError naming what is missing or malformed."""
        settings = SlackSettings.from_env(environ)
        if settings is None:
            return None
        if settings.mode is SlackMode.OAUTH:
            from adapters.slack.installations import TokenCipher

            TokenCipher(settings.secret_keys)  # a bad key stops the start, before any I/O
        return SlackPlatform(settings)  # template overrides come with the context (start)


class SlackPlatform:
    """One Bolt app, one transport, the same listeners over HTTP or Socket Mode."""

    platform = Platform.SLACK

    def __init__(
        self,
        settings: SlackSettings,
        templates_dir: Path | None = None,
    ) -> None:
        self.settings = settings
        self._templates_dir = templates_dir
        self._bundler: ConfirmationBundler | None = None
        self._app: App | None = None
        self._bolt: AsyncApp | None = None
        self._client: AsyncWebClient | None = None
        self._listeners: SlackListeners | None = None
        self._installations: EncryptedInstallationStore | None = None
        self._socket: SocketMode | None = None
        self._reconcile: ReconcileRunner | None = None
        self._notices: set[asyncio.Task[None]] = set()
        self._token_ok = False
        self._team = ""

    def __repr__(self) -> str:
        return f"SlackPlatform({self.settings!r})"

    # -- built before delivery ----------------------------------------------------------------

    def route(self, app: App) -> Route:
        """Slack's renderer and transport (the delivery routes hold them)."""
        from adapters.slack.errors import advice_for
        from adapters.slack.transport import SlackTransport
        from bot.app import renderer_for
        from bot.delivery.publisher import Route

        self._app = app
        self._ensure_bolt()
        renderer = renderer_for(Platform.SLACK, self._templates_dir)
        return Route(renderer, SlackTransport(self._client_for), advice_for)

    def mount(self, web_app: web.Application) -> None:
        """`/slack/events` (and `/slack/install`, `/slack/oauth_redirect` with OAuth) on the
        service's HTTP server; nothing in Socket Mode (Slack's requests come over the socket)."""
        from adapters.slack.bolt import SlackHttp

        bolt, listeners = self._ensure_bolt()
        if not self.settings.socket_mode:
            SlackHttp(bolt, listeners).mount(web_app)

    def kept_connections(self, app: App) -> int:
        """None: Slack keeps no database connection."""
        return 0

    def checks(self) -> Mapping[str, Callable[[], Awaitable[bool]]]:
        """`/readyz`: the listeners are served, the bot token was accepted (one workspace),
        and in Socket Mode the WebSocket is connected."""

        async def slack() -> bool:
            ready = self._listeners is not None and self._listeners.ready
            if self.settings.mode is SlackMode.SINGLE:
                ready = ready and self._token_ok
            if self._socket is not None:
                ready = ready and await self._socket.connected()
            return ready

        return {"slack": slack}

    # -- running ------------------------------------------------------------------------------

    async def start(self, context: PlatformContext) -> None:
        """Give the listeners the core's services, check the token, connect Socket Mode."""
        from adapters.slack.admins import WorkspaceAdmins
        from adapters.slack.listeners import SlackServices
        from bot.app import renderer_for
        from bot.store.slack_events import SqlSeenEvents

        bolt, listeners = self._ensure_bolt()
        app = context.app
        renderer = renderer_for(Platform.SLACK, context.templates_dir or self._templates_dir)
        declared = {d.key: d.destination.locale for d in context.delivery.config.destinations}

        async def locale(workspace: str, channel: str) -> str:
            settings = await context.delivery.catalog.get(f"slack:{workspace}:{channel}")
            if settings is not None:
                return str(settings.destination.locale)
            return str(declared.get(f"slack:{workspace}:{channel}", "ko"))

        def render(reply: Reply) -> Any:
            return renderer.render_reply(reply)

        reactions = self._confirming(context, render)

        async def uninstalled(enterprise: str | None, team: str, why: str) -> None:
            await self._uninstalled(context, enterprise, team, why)

        async def installed(enterprise: str | None, team: str) -> None:
            await self._installed(context, team)

        listeners.services = SlackServices(
            answer=self._answering(context, render),
            render=render,
            locale=locale,
            reactions=reactions,
            seen=SqlSeenEvents(app.engine, app.clock),
            metrics=context.metrics,
            admins=WorkspaceAdmins(),
            uninstalled=uninstalled,
            installed=installed,
            follow=context.follow.click if context.follow is not None else None,
        )
        if self.settings.mode is SlackMode.SINGLE:
            bot_user = await self._check_token()
            if bot_user:
                context.reactions.ignore_user(Platform.SLACK, bot_user)
        else:
            log.info("Slack: OAuth, workspaces install at /slack/install")
        if context.notices is not None:
            context.notices.tell_with(Platform.SLACK, self._ephemeral_teller(render))
        self._reconcile = self._reconcile_runner(context, listeners)
        if self.settings.socket_mode:
            from adapters.slack.socket_mode import SocketMode

            trigger = self._reconcile.trigger if self._reconcile is not None else None
            self._socket = SocketMode(bolt, self.settings.app_token, on_connected=trigger)
            await self._socket.start()
        elif self._reconcile is not None:  # HTTP mode has no connection to lose: at start only
            self._reconcile.trigger("start")

    async def stop(self) -> None:
        """Close the Socket Mode connection (HTTP requests stop with the HTTP server), after
        the confirmations still in their bundling window are sent."""
        if self._reconcile is not None:
            await self._reconcile.stop()
        if self._bundler is not None:
            await self._bundler.drain()
        if self._socket is not None:
            await self._socket.stop()

    def _confirming(
        self, context: PlatformContext, render: Callable[[Reply], Any]
    ) -> Callable[[Reaction, str], Awaitable[None]]:
        """The listeners' reaction callback: the core applies the reaction, and what it changed
        is confirmed ephemerally, one message per person for a burst within the window
        (`ConfirmationBundler`), in the channel of their latest reaction in it."""
        from bot.subscriptions.confirmations import ConfirmationBundler

        tell = self._ephemeral_teller(render)
        # the person's window's channel: that of the reaction that arrived last (its number
        # in `arrivals`), not of the one applied last (a loaded machine finishes them in any
        # order)
        where: dict[Person, tuple[int, str]] = {}
        arrivals = itertools.count()

        async def send(person: Person, reply: Reply) -> None:
            _, channel = where.pop(person)
            await tell(person, channel, reply)

        window = context.delivery.config.subscriptions.confirm_window_seconds
        self._bundler = bundler = ConfirmationBundler(
            send, window=window, standing=context.reactions.standing
        )

        async def reactions(reaction: Reaction, channel: str) -> None:
            arrived = next(arrivals)
            result = await context.reactions.handle(reaction)
            if result.change is None or result.confirmation is None:
                return  # nothing changed: nothing to say
            ref = reaction.message
            person = Person(ref.platform, ref.workspace, reaction.user)
            if arrived > where.get(person, (-1, ""))[0]:
                where[person] = (arrived, channel)
            bundler.add(person, result.change, result.confirmation.locale)

        return reactions

    def _ephemeral_teller(
        self, render: Callable[[Reply], Any]
    ) -> Callable[[Person, str, Reply], Awaitable[bool]]:
        """Says a reply to a person privately in a channel (`chat.postEphemeral`)."""

        async def tell(person: Person, channel: str, reply: Reply) -> bool:
            payload = render(reply)
            client = await self._client_for(person.workspace)
            await client.chat_postEphemeral(
                channel=channel, user=person.user, text=payload.text, blocks=list(payload.blocks)
            )
            return True

        return tell

    def _answering(
        self, context: PlatformContext, render: Callable[[Reply], Any]
    ) -> Callable[[CommandRequest], Awaitable[Reply]]:
        """`/paper`'s core; a notice still waiting for the asker (their DMs failed and could not
        be told at once) follows the answer, ephemerally in the same channel."""
        notices = context.notices
        if notices is None:
            return context.paper.handle
        tell = self._ephemeral_teller(render)

        async def notice(request: CommandRequest) -> None:
            person = Person(Platform.SLACK, request.workspace, request.user)

            async def say(reply: Reply) -> bool:
                return await tell(person, request.channel, reply)

            try:
                await notices.say_pending(person, request.locale, say)
            except Exception:  # boundary: the answer is not held up by its notice
                log.warning("could not send a notice to %s", request.user, exc_info=True)

        async def answer(request: CommandRequest) -> Reply:
            reply = await context.paper.handle(request)
            task = asyncio.create_task(notice(request))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)
            return reply

        return answer

    def _reconcile_runner(
        self, context: PlatformContext, listeners: SlackListeners
    ) -> ReconcileRunner | None:
        """The reconcile pass over `reactions.get`, applying what it finds as the reaction
        events are (confirmed ephemerally in the message's channel)."""
        if context.reconciler is None:
            return None
        from adapters.slack.reactions import SlackReactionReader
        from bot.subscriptions.reconcile import ReconcileRunner

        reader = SlackReactionReader(self._client_for, self._stored_bot_user)

        async def apply(reaction: Reaction) -> None:  # confirmed where it is (a DM: its `D…`)
            client = await self._client_for(reaction.message.workspace)
            await listeners.apply_reaction(client, reaction, await reader.channel(reaction.message))

        return ReconcileRunner(context.reconciler, Platform.SLACK, reader, apply)

    # -- helpers ------------------------------------------------------------------------------

    def _ensure_bolt(self) -> tuple[AsyncApp, SlackListeners]:
        if self._bolt is not None and self._listeners is not None:
            return self._bolt, self._listeners
        from adapters.slack.bolt import build_bolt_app, build_oauth_bolt_app
        from adapters.slack.clients import web_client
        from adapters.slack.listeners import SlackListeners

        settings = self.settings
        self._listeners = SlackListeners()
        if settings.mode is SlackMode.SINGLE:
            self._client = web_client(settings.api_base_url, settings.bot_token)
            self._bolt = build_bolt_app(settings.signing_secret, self._client, self._listeners)
            return self._bolt, self._listeners
        from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

        from adapters.slack.installations import EncryptedInstallationStore, TokenCipher

        if self._app is None:
            raise RuntimeError("Slack OAuth needs the database: route(app) comes first")
        engine = self._app.engine
        cipher = TokenCipher(settings.secret_keys)
        self._installations = EncryptedInstallationStore(settings.client_id, engine, cipher)
        self._client = web_client(settings.api_base_url)
        self._bolt = build_oauth_bolt_app(
            settings.signing_secret,
            self._client,
            self._listeners,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=BOT_SCOPES,
            installations=self._installations,
            states=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
            authorize_url=settings.authorize_url,
        )
        return self._bolt, self._listeners

    async def _client_for(self, workspace: str) -> AsyncWebClient:
        """The client with the bot token of `workspace` (one workspace: the fixed token)."""
        if self._installations is None:
            assert self._client is not None
            if self._team and workspace != self._team:
                from bot.errors import DeliveryError

                raise DeliveryError(
                    f"SLACK_BOT_TOKEN is the bot of workspace {self._team}, not {workspace}: "
                    "fix the destination's workspace, or use OAuth for several workspaces",
                    retryable=False,
                )
            return self._client
        from adapters.slack.clients import installed_client

        return await installed_client(
            self._installations,
            workspace,
            base_url=self.settings.api_base_url,
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
        )

    async def _stored_bot_user(self, workspace: str) -> str | None:
        """The bot's user id `workspace`'s OAuth installation keeps (one workspace: None)."""
        if self._installations is None:
            return None
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=workspace)
        return bot.bot_user_id if bot is not None else None

    async def _check_token(self) -> str:
        """auth.test once: a wrong token is logged now, not at the first digest. Returns the
        bot's user id ("" when unknown)."""
        from slack_sdk.errors import SlackApiError

        assert self._client is not None
        try:
            answer = await self._client.auth_test()
        except SlackApiError as exc:
            log.error("Slack refused SLACK_BOT_TOKEN: %s", exc.response.get("error"))
            return ""
        except Exception as exc:  # boundary: Slack unreachable; digests retry later
            log.warning("Slack unreachable at %s: %s", self.settings.api_base_url, exc)
            return ""
        self._token_ok = True
        self._team = str(answer.get("team_id", ""))
        log.info("Slack: bot %s in workspace %s", answer.get("user_id"), answer.get("team_id"))
        return str(answer.get("user_id") or "")

    async def _uninstalled(
        self, context: PlatformContext, enterprise: str | None, team: str, why: str
    ) -> None:
        """Forget the workspace's installation and pause its channels and its people's DM
        digests, keeping Slack's event name (`why`) as each pause's code (one paused already
        keeps its own: the reinstall resumes only these, `_installed`); the English `reason`
        is the log's. A disabled channel is neither paused nor counted: it posts nothing
        anyway, and `/paper channel set enable` would lift such a pause at once (with OAuth, one
        enabled while the app is gone fails with `not_installed`, which the install resumes).
        Nothing is sent into the workspace: no DM is tried (the pause comes first), and the
        admin is told in the admin channel unless that channel is in this workspace."""
        from adapters.slack.errors import workspace_advice

        if self._installations is not None:
            await self._installations.async_delete_all(enterprise_id=enterprise, team_id=team)
        delivery, code, now = context.delivery, ErrorCode(why), context.delivery.clock.now()
        reason = f"Slack workspace {team}: {why} (reinstalling the app resumes it)"
        paused = []
        for key in await self._channels_of(context, team, enabled_only=True):
            if await delivery.destinations.pause_running(key, reason, now, code=code):
                paused.append(key)
        people = []
        if context.personal is not None:
            people = await context.personal.pause_workspace(Platform.SLACK, team, reason, code)
        log.warning(
            "Slack workspace %s: %s; paused %s and the DM digests of %d people",
            team,
            why,
            paused or "no channels",
            len(people),
        )
        admin = delivery.config.admin_channel or ""
        await delivery.alerts.workspace_paused(
            f"slack:{team}",
            reason,
            code=why,
            advice=workspace_advice(why),
            channels=len(paused),
            people=len(people),
            tell=not admin.startswith(f"slack:{team}:"),
        )

    async def _installed(self, context: PlatformContext, team: str) -> None:
        """The OAuth flow saved `team`'s installation (again): resume exactly what its
        uninstall paused, the channels and people's DMs whose pause code is `app_uninstalled`
        or `tokens_revoked` (or `not_installed`: paused for want of this install), as
        `/paper channel set enable` and a person's `subscribe` resume them (the next runs
        take the notes of the gap; a person's waiting notice is dropped). A pause of any
        other code (a channel error, a DM the person cannot get, one by hand) stays. A
        channel the bot was removed from meanwhile fails its next digests with
        `not_in_channel` and is paused again with its advice, as any channel error is. The
        admin channel is told once."""
        delivery, now = context.delivery, context.delivery.clock.now()
        resumed = []
        for key in await self._channels_of(context, team):
            if await delivery.destinations.resume_paused_by(key, INSTALL_RESUMES, now):
                resumed.append(key)
        people = []
        if context.personal is not None:
            people = await context.personal.resume_workspace(Platform.SLACK, team, INSTALL_RESUMES)
        log.info(
            "Slack workspace %s installed; resumed %s and the DM digests of %d people",
            team,
            resumed or "no channels",
            len(people),
        )
        await delivery.alerts.workspace_resumed(
            f"slack:{team}", channels=len(resumed), people=len(people)
        )

    @staticmethod
    async def _channels_of(
        context: PlatformContext, team: str, *, enabled_only: bool = False
    ) -> list[str]:
        """The keys of the Slack destinations in `team` (declared or set from chat); with
        `enabled_only`, not those disabled (`enabled = false`, `/paper channel set disable`)."""
        return [
            settings.key
            for settings in await context.delivery.catalog.all()
            if settings.destination.platform is Platform.SLACK
            and settings.destination.workspace == team
            and (settings.enabled or not enabled_only)
        ]
