"""Discord in the composition root: settings from the environment, the client's services, the
platform's lifecycle (route, start, stop, checks).

Importing this module is cheap: discord.py and the adapter are imported only when Discord is
configured (`from_env` returns a platform) and used. Variables (all optional; none set means no
Discord at all):

- `DISCORD_BOT_TOKEN`: required as soon as any other `DISCORD_*` variable is set.
- `DISCORD_API_BASE_URL` (default `https://discord.com/api/v10`) and `DISCORD_GATEWAY_URL`
  (default `wss://gateway.discord.gg/`): a REST rate-limit proxy, or the tests' stand-in.
- `DISCORD_SHARD_COUNT`: `1` (default, one connection), `N` or `auto` (Discord's advice).
- `DISCORD_SHARD_IDS`: `0,1`: this process runs only those shards (needs a numeric count).
- `DISCORD_COMMAND_GUILD`: a guild id to register `/paper` in (instant; for development)
  instead of globally.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.delivery.config import CONFIRM_WINDOW_SECONDS
from bot.errors import ConfigError, DeliveryError, not_ascii_digit
from bot.models import Platform
from bot.scheduling.shards import AdvisoryShardClaim, shard_claim
from bot.tasks import bounded, cancel_and_wait
from bot.wiring import Variable

if TYPE_CHECKING:
    import discord
    from aiohttp import web
    from sqlalchemy.ext.asyncio import AsyncEngine

    from adapters.discord.paper import Notice, PaperServices
    from adapters.discord.suggest import Corpus
    from adapters.discord.transport import DiscordTransport
    from bot.app import App
    from bot.commands.follow import FollowButtons
    from bot.commands.paper import PaperCommand
    from bot.commands.reactions import ReactionHandler, ReactionResult
    from bot.commands.request import CommandRequest
    from bot.delivery.publisher import Route
    from bot.models import Reaction
    from bot.replies import Reply
    from bot.subscriptions.notices import DmNotices, Say
    from bot.subscriptions.reconcile import ReconcileRunner
    from bot.wiring import HealthCheck, PlatformContext

__all__ = [
    "DiscordFactory",
    "DiscordPlatform",
    "DiscordSettings",
    "corpus_loader",
    "paper_services",
    "settings_from_env",
]

log = logging.getLogger(__name__)

CREDENTIALS_HINT = "set DISCORD_BOT_TOKEN"
REFUSED_TOKEN = "Discord refused DISCORD_BOT_TOKEN (401): reset it in the portal"
SUGGESTIONS_REFRESH_SECONDS = 30.0
CLOSE_GRACE_SECONDS = 5.0
SHARD_CLAIM_RETRY_SECONDS = 3.0  # a standby's pace: how soon it takes over a dead holder's shards
DEFAULT_API_BASE = "https://discord.com/api/v10"  # as adapters.discord.endpoints (not imported:
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"  # this module must not pay for discord.py)
DISCORD_VARIABLES = (
    Variable("DISCORD_BOT_TOKEN", "the bot's token: turns Discord on (required once any "
             "DISCORD_* variable is set)", secret=True),
    Variable("DISCORD_API_BASE_URL", "Discord's REST API (a rate-limit proxy, or the tests' "
             "stand-in)", DEFAULT_API_BASE),
    Variable("DISCORD_GATEWAY_URL", "Discord's gateway", DEFAULT_GATEWAY),
    Variable("DISCORD_SHARD_COUNT", "`1` (one connection), `N` (at most 4294967295) or `auto` "
             "(Discord's advice)", "1"),
    Variable("DISCORD_SHARD_IDS", "`0,1`: this process runs only those shards (needs a numeric "
             "DISCORD_SHARD_COUNT)"),
    Variable("DISCORD_COMMAND_GUILD", "a guild id to register `/paper` in (instant; for "
             "development) instead of globally"),
)  # fmt: skip
VARIABLES = tuple(v.name for v in DISCORD_VARIABLES)


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    """Discord's configuration, checked; the token is never logged (it is not in `repr`)."""

    token: str
    api_base: str = DEFAULT_API_BASE
    gateway: str = DEFAULT_GATEWAY
    shard_count: int | None = 1  # None: `auto`
    shard_ids: tuple[int, ...] = ()
    command_guild: int | None = None

    def __repr__(self) -> str:
        return f"DiscordSettings(api_base={self.api_base!r}, shards={self.shard_count!r})"

    @property
    def sharded(self) -> bool:
        """`AutoShardedClient` for more than one shard, `auto`, or a shard range."""
        return self.shard_count is None or self.shard_count > 1 or bool(self.shard_ids)


def _url(environ: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = environ.get(name, "").strip() or default
    if not value.startswith(schemes):
        raise ConfigError(f"{name}: {value!r} must start with {' or '.join(schemes)}")
    return value


MAX_SHARD_COUNT = 2**32 - 1
"""The largest shard count: each shard's advisory lock id is a 32-bit number under a fixed
high half (`bot.scheduling.shards`); more would overflow PostgreSQL's bigint or collide."""


def _int(name: str, raw: str) -> int:
    if (problem := not_ascii_digit(raw)) is not None:  # int() reads any script's digits
        raise ConfigError(f"{name}: {problem}")
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a whole number") from None
    if value < 0:
        raise ConfigError(f"{name}: {raw!r} must not be negative")
    return value


def settings_from_env(environ: Mapping[str, str]) -> DiscordSettings | None:
    """None when no `DISCORD_*` variable is set; raises `ConfigError` naming the variable."""
    if not any(environ.get(name, "").strip() for name in VARIABLES):
        return None
    token = environ.get("DISCORD_BOT_TOKEN", "").strip()
    if not token:
        given = [n for n in VARIABLES if environ.get(n, "").strip()]
        raise ConfigError(f"DISCORD_BOT_TOKEN is not set, but {', '.join(given)} is")
    count_raw = environ.get("DISCORD_SHARD_COUNT", "").strip().lower() or "1"
    count = None if count_raw == "auto" else _int("DISCORD_SHARD_COUNT", count_raw)
    if count == 0:
        raise ConfigError("DISCORD_SHARD_COUNT: must be at least 1 (or auto)")
    if count is not None and count > MAX_SHARD_COUNT:  # each shard's lock id holds 32 bits
        raise ConfigError(f"DISCORD_SHARD_COUNT: {count_raw!r} is over {MAX_SHARD_COUNT}")
    ids_raw = environ.get("DISCORD_SHARD_IDS", "").strip()
    ids = tuple(_int("DISCORD_SHARD_IDS", p.strip()) for p in ids_raw.split(",")) if ids_raw else ()
    if ids and count is None:
        raise ConfigError("DISCORD_SHARD_IDS needs a numeric DISCORD_SHARD_COUNT (not auto)")
    if ids and count is not None and any(i >= count for i in ids):
        raise ConfigError(f"DISCORD_SHARD_IDS: {ids_raw!r}: every id must be below {count}")
    if len(set(ids)) < len(ids):  # two sessions of one shard: each event handled twice
        raise ConfigError(f"DISCORD_SHARD_IDS: {ids_raw!r}: an id is given twice")
    guild_raw = environ.get("DISCORD_COMMAND_GUILD", "").strip()
    return DiscordSettings(
        token=token,
        api_base=_url(environ, "DISCORD_API_BASE_URL", DEFAULT_API_BASE,
                      ("http://", "https://")),
        gateway=_url(environ, "DISCORD_GATEWAY_URL", DEFAULT_GATEWAY, ("ws://", "wss://")),
        shard_count=count,
        shard_ids=ids,
        command_guild=_int("DISCORD_COMMAND_GUILD", guild_raw) if guild_raw else None,
    )  # fmt: skip


def corpus_loader(app: App) -> Callable[[], Awaitable[Corpus]]:
    """Tags with counts and (title, key) of live notes: autocomplete's memory."""
    from adapters.discord.suggest import Corpus
    from bot.app import search_service
    from bot.store.schema import NoteRow

    search = search_service(app)

    async def load() -> Corpus:
        tags = [(t.tag, t.count) for t in await search.tags()]
        query = (
            select(NoteRow.title, NoteRow.id)
            .where(NoteRow.retracted.is_(False))
            .order_by(NoteRow.day.desc(), NoteRow.position)
        )
        async with app.engine.connect() as conn:
            titles = [(title, key) for title, key in await conn.execute(query)]
        return Corpus(tags=tags, titles=titles)

    return load


def paper_services(
    app: App,
    paper: PaperCommand,
    templates_dir: Path | None = None,
    follow: FollowButtons | None = None,
    notices: DmNotices | None = None,
) -> PaperServices:
    """The `/paper` core (which counts and times its answers), the Discord reply renderer,
    autocomplete over the notes, and the digests' Follow buttons (`follow`). With `notices`,
    a person whose DMs failed is told why after their next answer (Discord has no way to reach
    someone who refuses DMs but an interaction of theirs)."""
    from adapters.discord.paper import PaperServices
    from adapters.discord.suggest import Suggestions
    from bot.app import renderer_for
    from formatters.i18n import catalogue

    renderer = renderer_for(Platform.DISCORD, templates_dir)
    strings = catalogue()
    return PaperServices(
        paper.handle,
        renderer.render_reply,
        Suggestions(corpus_loader(app)),
        full_label=lambda locale: strings.t(locale, "digest.full_note"),
        follow=follow.click if follow is not None else None,
        notice=None if notices is None else _notice_for(notices),
    )


def _notice_for(notices: DmNotices) -> Notice:
    from bot.digest.personal import Person

    async def notice(request: CommandRequest, say: Say) -> None:
        person = Person(Platform.DISCORD, request.workspace, request.user)
        await notices.say_pending(person, request.locale, say)

    return notice


def notes_version(app: App) -> Callable[[], Awaitable[tuple[object, ...]]]:
    """A cheap fingerprint of the notes (how many, the last change): one indexed query."""
    from sqlalchemy import func

    from bot.store.schema import NoteRow

    query = select(func.count(), func.max(NoteRow.updated_at), func.max(NoteRow.retracted_at))

    async def version() -> tuple[object, ...]:
        async with app.engine.connect() as conn:
            return tuple((await conn.execute(query)).one())

    return version


async def refresh_forever(
    services: PaperServices,
    every: float,
    version: Callable[[], Awaitable[tuple[object, ...]]],
) -> None:
    """Reload autocomplete's snapshot when the notes changed (an ingest added, edited or
    retracted some), checked every `every` seconds; the first load is in `setup_hook`."""
    seen = await version()
    while True:
        await asyncio.sleep(every)
        try:
            now = await version()
            if now != seen:
                await services.suggestions.refresh()
                seen = now
        except Exception:  # boundary: the old snapshot keeps answering
            log.exception("refreshing /paper suggestions failed")


def confirming(
    handler: ReactionHandler,
    transport: DiscordTransport,
    templates_dir: Path | None = None,
    *,
    window: float = CONFIRM_WINDOW_SECONDS,
) -> tuple[Callable[[Reaction], Awaitable[ReactionResult]], Callable[[], Awaitable[None]]]:
    """The client's reaction callback: the core applies the reaction, and what it changed is
    confirmed to the person by DM, one message per person for a burst within `window`
    seconds (`ConfirmationBundler`). Returns the callback and the bundler's drain."""
    from bot.app import renderer_for
    from bot.digest.personal import Person
    from bot.subscriptions.confirmations import ConfirmationBundler

    renderer = renderer_for(Platform.DISCORD, templates_dir)

    async def send(person: Person, reply: Reply) -> None:
        await transport.post(person.destination(locale=reply.locale), renderer.render_reply(reply))

    bundler = ConfirmationBundler(send, window=window, standing=handler.standing)

    async def on_reaction(reaction: Reaction) -> ReactionResult:
        result = await handler.handle(reaction)
        change, reply = result.change, result.confirmation
        if change is not None and reply is not None:  # a no-op has no confirmation
            ref = reaction.message
            bundler.add(Person(ref.platform, ref.workspace, reaction.user), change, reply.locale)
        return result

    return on_reaction, bundler.drain


class DiscordPlatform:
    """Discord as a `ChatPlatform`: its route exists before delivery, its client from `start`."""

    platform = Platform.DISCORD

    def __init__(
        self,
        settings: DiscordSettings,
        *,
        login_backoff: float = 1.0,
        claim_retry: float = SHARD_CLAIM_RETRY_SECONDS,
    ) -> None:
        """`login_backoff`: the first wait before retrying a login Discord did not answer;
        `claim_retry`: between a standby's tries to claim its shards."""
        self.settings = settings
        self._confirm_window = CONFIRM_WINDOW_SECONDS  # `[subscriptions]`'s, from `start`
        self._transport: DiscordTransport | None = None
        self._drain: Callable[[], Awaitable[None]] | None = None
        self.logged_in = asyncio.Event()
        self.client: discord.Client | None = None
        self.stopped: str | None = None
        """Why the client gave up for good (a refused token), once it has."""
        self._login_backoff = login_backoff
        self._stopping = False
        self._tasks: list[asyncio.Task[Any]] = []
        self._reconcile: ReconcileRunner | None = None
        self._claim_retry = claim_retry
        self._engine: AsyncEngine | None = None
        self._claim: AdvisoryShardClaim | None = None
        self.standby: tuple[int, ...] | None = None
        """The shards this process waits for while another process runs them."""

    def _http(self) -> Any:
        if self.stopped is not None:
            raise DeliveryError(f"Discord client stopped: {self.stopped}", retryable=False)
        if self.client is None:
            raise DeliveryError("the Discord client has not started", retryable=True)
        return self.client.http

    def route(self, app: App) -> Route:
        """The Discord renderer and `DiscordTransport` (which waits for the login to send)."""
        from adapters.discord.errors import advice_for
        from adapters.discord.transport import DiscordTransport
        from bot.app import renderer_for
        from bot.delivery.publisher import Route

        self._transport = DiscordTransport(self._http, self.logged_in)
        return Route(renderer_for(Platform.DISCORD), self._transport, advice_for)

    def mount(self, web_app: web.Application) -> None:
        """Discord needs no HTTP route: interactions come over the gateway."""

    def kept_connections(self, app: App) -> int:
        """The shard claim's session on PostgreSQL (from the same pool), while running shards."""
        return 0 if shard_claim(app.engine, (), 1) is None else 1

    def checks(self) -> Mapping[str, HealthCheck]:
        """`discord`: the gateway is connected (every shard of this process), or this process
        stands by while other sessions hold every shard it waits for."""

        async def connected() -> bool:
            if self.standby is not None and self._claim is not None:
                return await self._claim.held_elsewhere()
            return self.client is not None and self.client.is_ready()

        return {"discord": connected}

    async def start(self, context: PlatformContext) -> None:
        """Point discord.py at the configured endpoints, then run the client as a task."""
        from adapters.discord.client import ClientParts, build_client
        from adapters.discord.endpoints import Endpoints, apply_endpoints
        from bot.store.command_hashes import SqlCommandHashes

        endpoints = Endpoints(self.settings.api_base, self.settings.gateway)
        apply_endpoints(endpoints)
        self._engine = context.app.engine
        services = paper_services(
            context.app,
            context.paper,
            context.templates_dir,
            follow=context.follow,
            notices=context.notices,
        )
        if self._transport is None:
            self.route(context.app)
        assert self._transport is not None
        self._confirm_window = context.delivery.config.subscriptions.confirm_window_seconds
        on_reaction, self._drain = confirming(
            context.reactions, self._transport, context.templates_dir, window=self._confirm_window
        )

        def ignore(user_id: str) -> None:  # the bot's own reactions never subscribe anyone
            context.reactions.ignore_user(Platform.DISCORD, user_id)

        self._reconcile = self._reconcile_runner(context, on_reaction)
        parts = ClientParts(
            services,
            SqlCommandHashes(context.app.engine, Platform.DISCORD.value, context.app.clock),
            on_reaction=on_reaction,
            on_connected=self._reconcile.trigger if self._reconcile is not None else None,
            sync_guild=self.settings.command_guild,
            logged_in=self.logged_in,
            metrics=context.metrics,
            on_login=ignore,
        )

        def make() -> discord.Client:
            return build_client(
                parts,
                shard_count=self.settings.shard_count,
                shard_ids=self.settings.shard_ids or None,
                sharded=self.settings.sharded,
                custom_gateway=endpoints.custom_gateway,
            )

        self.client = make()
        self._tasks = [
            asyncio.create_task(self._run(make), name="discord-client"),
            asyncio.create_task(
                refresh_forever(services, SUGGESTIONS_REFRESH_SECONDS, notes_version(context.app)),
                name="discord-suggest",
            ),
        ]

    def _reconcile_runner(
        self, context: PlatformContext, on_reaction: Callable[[Reaction], Awaitable[object]]
    ) -> ReconcileRunner | None:
        """The reconcile pass over the message reactions endpoint, applying what it finds as
        reaction events are (confirmed by DM, bundled)."""
        if context.reconciler is None:
            return None
        from adapters.discord.reactions import DiscordReactionReader
        from bot.subscriptions.reconcile import ReconcileRunner

        reader = DiscordReactionReader(self._http)
        return ReconcileRunner(context.reconciler, Platform.DISCORD, reader, on_reaction)

    async def _run(self, make: Callable[[], discord.Client]) -> None:
        """Log in (retrying while Discord cannot be reached), claim the shards, then let
        discord.py keep the gateway connected; a refused token stops it for good, and digests
        then fail saying so. Shards another process took meanwhile: a new client stands by."""
        while (client := await self._login(make)) is not None:
            try:
                if not await self._claim_shards(client, await self._shards(client)):
                    return
                if not await self._serve(client):
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # boundary: say why, and fail digests with it
                log.exception("the Discord client stopped")
                self._give_up(f"{type(exc).__name__}: {exc}")
                return
            await client.close()  # its gateway must not run shards another process runs
            if self._stopping:
                return
            self.client = make()

    async def _login(self, make: Callable[[], discord.Client]) -> discord.Client | None:
        """The logged-in client; None when the token was refused or stopping."""
        import aiohttp
        import discord

        delay = self._login_backoff
        client = self.client
        while client is not None and not client.is_closed():
            try:
                await client.login(self.settings.token)
                return client
            except discord.LoginFailure:
                await client.close()
                self._give_up(REFUSED_TOKEN)
                return None
            except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
                log.warning("Discord login failed (%s); retrying in %.0fs", exc, delay)
                await client.close()  # its session is spent: the next try is a new client
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
                if self._stopping:
                    return None
                client = self.client = make()
        return None

    async def _serve(self, client: discord.Client) -> bool:
        """Run the gateway while the claim holds (checked every `claim_retry`); True when it
        was lost to another process, False when the client ended."""
        connect = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        try:
            while not connect.done():
                await asyncio.wait({connect}, timeout=self._claim_retry)
                if not connect.done() and not await self._still_claimed():
                    return True
            connect.result()
            return False
        finally:
            await cancel_and_wait(connect, CLOSE_GRACE_SECONDS)

    async def _still_claimed(self) -> bool:
        """The claim's session lives, or it could be taken again at once (nobody else had it);
        a database that does not answer keeps the shards running (nobody can take them)."""
        claim = self._claim
        if claim is None or await claim.still_held():
            return True
        try:
            if await claim.try_claim():
                log.warning("the Discord shard claim's session ended; claimed them again")
                return True
        except (DBAPIError, OSError):
            return True
        log.warning("Discord shards %s were taken by another process: disconnecting",
                    ", ".join(map(str, claim.shards)))  # fmt: skip
        return False

    async def _shards(self, client: discord.Client) -> tuple[int, ...]:
        """This process's shards: DISCORD_SHARD_IDS, else all of the count (`auto`: Discord's,
        which the client then keeps)."""
        if self.settings.shard_ids:
            return self.settings.shard_ids
        count = self.settings.shard_count
        if count is None:
            count, _url, _limits = await client.http.get_bot_gateway()
            client.shard_count = count
        return tuple(range(count))

    async def _claim_shards(self, client: discord.Client, shards: tuple[int, ...]) -> bool:
        """Wait (as a standby) until this process holds every one of its shards; False when
        stopped meanwhile. REST (digests, the reconcile pass) works all along."""
        assert self._engine is not None
        count = client.shard_count or 1
        claim = self._claim = shard_claim(self._engine, shards, count)
        named = f"{', '.join(map(str, shards))} (of {count})"
        said: int | None = None  # the other count last named: a new one is logged again
        while claim is not None:
            try:
                if await claim.try_claim():
                    break
                why = "another process runs them"
                if claim.other_count is not None:
                    why = (f"a process with DISCORD_SHARD_COUNT={claim.other_count} runs shards"
                           f" (two counts would serve a guild twice)")  # fmt: skip
            except (DBAPIError, OSError) as exc:
                why = f"the database did not answer: {exc}"
            if self.standby is None or claim.other_count not in (None, said):
                log.warning("waiting for Discord shards %s: %s; retrying every %.0fs",
                            named, why, self._claim_retry)  # fmt: skip
                self.standby, said = shards, claim.other_count
            await asyncio.sleep(self._claim_retry)
            if self._stopping or client.is_closed():
                return False
        self.standby = None
        log.info("running Discord shards %s", named)
        return True

    def _give_up(self, reason: str) -> None:
        log.error("%s", reason)
        self.stopped = reason
        self.logged_in.set()  # digests waiting for the login fail now, with the reason

    async def stop(self) -> None:
        """Close the gateway and REST sessions; end the tasks."""
        self._stopping = True
        if self._reconcile is not None:
            await self._reconcile.stop()
        if self._drain is not None and self.client is not None and not self.client.is_closed():
            try:  # confirmations still gathering go out before the client closes
                await bounded(self._drain(), self._confirm_window + CLOSE_GRACE_SECONDS, unwind=1.0)
            except Exception:  # boundary: stopping goes on
                log.warning("confirmations not sent at stop", exc_info=True)
        if self.client is not None:
            await self.client.close()
        for task in self._tasks:
            if task.get_name() == "discord-client":  # closed: it returns (unless in a backoff)
                await asyncio.wait({task}, timeout=CLOSE_GRACE_SECONDS)
            if not await cancel_and_wait(task, CLOSE_GRACE_SECONDS):
                log.warning("%s did not end when cancelled; left behind", task.get_name())
        if self._claim is not None:  # after the gateway closed: a standby may take over now
            await self._claim.release()


class DiscordFactory:
    """`DISCORD_*` variables to a `DiscordPlatform` (no I/O, no discord.py import)."""

    platform = Platform.DISCORD
    credentials_hint = CREDENTIALS_HINT
    variables: tuple[Variable, ...] = DISCORD_VARIABLES

    def from_env(self, environ: Mapping[str, str]) -> DiscordPlatform | None:
        """None when no `DISCORD_*` variable is set."""
        settings = settings_from_env(environ)
        return None if settings is None else DiscordPlatform(settings)

    @staticmethod
    def address_problems(workspace: str, channel: str) -> list[tuple[str, str]]:
        """(key, problem) for a guild or channel that is not a snowflake (a `#name`, a
        server's name): Discord would refuse it at the first digest, blaming something else."""
        problems = []
        if not _snowflake(workspace):
            problems.append(
                ("workspace", f"{workspace!r} is not a Discord server id {_HOW % 'Server'}")
            )
        if not _snowflake(channel.removeprefix(DM_PREFIX)):  # `@<user id>`: a person's DM
            problems.append(
                ("channel", f"{channel!r} is not a Discord channel id {_HOW % 'Channel'}")
            )
        return problems


_HOW = "(a number; Developer Mode → Copy %s ID)"
DM_PREFIX = "@"  # as bot.digest.personal (not imported: it is not cheap)


def _snowflake(text: str) -> bool:
    """Discord's ids: up to 20 decimal digits (a 64-bit number)."""
    return text.isascii() and text.isdigit() and len(text) <= 20


async def _login_once(client: discord.Client, token: str) -> None:
    """Log in over REST, or say in one line why not (a command, not a service: no retry)."""
    import aiohttp
    import discord

    try:
        await client.login(token)
    except discord.LoginFailure:
        raise ConfigError(REFUSED_TOKEN) from None
    except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
        raise ConfigError(f"Discord could not be reached ({exc}): /paper not synced") from None


async def sync_now(database_url: str | None, environ: Mapping[str, str], guild: int | None) -> str:
    """`paperbot discord sync`: log in over REST, write the command tree, record its hash.

    Returns where it synced ("globally", "to guild N").

    Raises:
        ConfigError: DISCORD_BOT_TOKEN is not set (or a variable is bad), Discord refused it
            or could not be reached, or the sync failed.
    """
    from adapters.discord.client import ClientParts, build_client
    from adapters.discord.endpoints import Endpoints, apply_endpoints
    from adapters.discord.paper import PaperServices
    from adapters.discord.suggest import Corpus, Suggestions
    from bot.app import open_app
    from bot.payloads import DiscordPayload
    from bot.store.command_hashes import SqlCommandHashes

    settings = settings_from_env(environ)
    if settings is None:
        raise ConfigError("DISCORD_BOT_TOKEN is not set: `paperbot discord sync` needs it")
    guild = guild if guild is not None else settings.command_guild

    async def nothing() -> Corpus:
        return Corpus()

    async def unused(_request: CommandRequest) -> Reply:
        raise AssertionError("no interactions without a gateway")

    apply_endpoints(Endpoints(settings.api_base, settings.gateway))
    async with open_app(database_url) as app:
        hashes = SqlCommandHashes(app.engine, Platform.DISCORD.value, app.clock)
        services = PaperServices(unused, lambda _reply: DiscordPayload(), Suggestions(nothing))
        parts = ClientParts(services, hashes, sync_guild=guild, force_sync=True)
        client = build_client(parts)
        try:
            await _login_once(client, settings.token)  # setup_hook syncs
        finally:
            await client.close()
    if not parts.synced:
        raise ConfigError("the Discord command sync failed (see the log above)")
    return "globally" if guild is None else f"to guild {guild}"
