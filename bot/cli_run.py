"""`paperbot run`: the bot's main job as one long-running process.

It serves at once (`/readyz`, the `/paper` prompt over what is stored) and reads the notes folder
in the background. When that start-up ingest is done it shows the terminal's digest: a real run
through the delivery ledger when the terminal is a destination (so `/paper digest now` does not
show the same notes again), else a preview of the newest day that says so. Only then may the
process lead the digest service (leader election, one cron job per destination): a catch-up
digest at start must hold the files added while the bot was down. Afterwards it re-ingests the
folder every few minutes, editing posted messages of notes that changed or went. With no
destination declared and no chat platform configured, the terminal itself is the one
destination, on the default schedule. On a terminal a prompt takes `/paper …`; without one (a
container, a pipe) the process just serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy import text

from adapters.console import ConsoleChannel, ConsoleTransport, stdin_lines
from adapters.http.prometheus import PrometheusMetrics
from adapters.http.server import HttpServer
from bot import __version__
from bot.app import (
    App,
    console_channel,
    freeze_start_up_heap,
    open_app,
    paper_command,
    renderer_for,
    terminal_handler,
)
from bot.cli_config import TERMINAL, Configuration, served_problems, with_terminal_default
from bot.cli_logging import redact_url
from bot.cli_metrics import (
    CountingTransport,
    build_info,
    record_ingest,
    watch_frozen_heap,
    watch_leadership,
    watch_store,
)
from bot.cli_render import day_digest
from bot.cli_shutdown import DEFAULT_TIMEOUT, end_leftovers, leave, shut_down
from bot.cli_signals import stop_on_signals
from bot.cli_subscriptions import Subscriptions, wire_subscriptions
from bot.commands.admin import register_admin_commands
from bot.commands.channel import ChannelCommands
from bot.commands.paper import PaperCommand
from bot.delivery.config import ID_CHARS, DeliveryConfig, load_delivery_config
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery, build_delivery
from bot.errors import ConfigError, ConfigProblems, not_utf8
from bot.health import HealthRegistry
from bot.ingest.importer import IngestReport, ingest_paths
from bot.models import Destination, Layout, Platform
from bot.replies import MessageView, Reply, Text
from bot.scheduling.jobs import ingest_and_correct
from bot.scheduling.leader import LeaderLock, leader_lock, somebody_leads
from bot.scheduling.runtime import ELECTION_JOB_ID, DigestService
from bot.scheduling.watcher import NotesWatcher, polling_wanted
from bot.store.migrate import at_heads, script_heads
from bot.store.notes import SqlNoteStore
from bot.wiring import ChatPlatform, PlatformContext
from bot.wiring.registry import credentials_hints

__all__ = ["TERMINAL", "IngestReporter", "delivery_config", "run_command", "serve"]

log = logging.getLogger(__name__)

INGEST_JOB_ID = "ingest-notes"


def delivery_config(
    path: Path | None,
    active: frozenset[Platform] = frozenset(),
    hints: Mapping[str, str] | None = None,
) -> DeliveryConfig:
    """Declared destinations, or the terminal alone when none is declared.

    `active` are the chat platforms whose variables are set; `hints` say what to set for the
    others (default: the registry's).

    Raises:
        ConfigError: a declared destination (or the admin channel) is on a platform that is not
            active, naming what to set.
    """
    config = load_delivery_config(path)
    hints = credentials_hints() if hints is None else hints
    if problems := served_problems(config, path, active, hints):
        raise ConfigProblems(problems)
    return with_terminal_default(config)


async def run_command(args: argparse.Namespace) -> int:
    """The main job. 0 after a clean stop (`:quit`, SIGTERM, Ctrl-C): a file skipped at start
    is reported, it is not a failure of the service. `--once` is an ingest, so like
    `paperbot ingest` it exits 1 when a file was skipped.
    """
    # The configuration was read and checked as a whole before this (`bot.cli_config`): a bad
    # or missing config file, or a platform's credentials set in part, stopped the bot.
    configuration: Configuration = args.configuration
    platforms, config = list(configuration.platforms), configuration.delivery
    settings = configuration.settings
    stopping = settings.shutdown_timeout
    polling = polling_wanted(args.notes_dir, settings.watch_polling)
    metrics = PrometheusMetrics()
    log.info("paperbot %s on %s", __version__, redact_url(args.database_url))
    async with open_app(args.database_url) as app:
        paper = paper_command(app, metrics)
        channel = console_channel(None, args.templates_dir)  # `serve` gives it the prompt
        reporter = IngestReporter()
        if args.once:
            began = time.perf_counter()
            report = await ingest_paths([args.notes_dir], app.notes, app.clock)
            reporter(report)
            record_ingest(metrics, report, trigger="once", seconds=time.perf_counter() - began)
            await _show_preview(app.notes, channel, args.notes_dir, PREVIEW_ONCE)
            return 1 if report.skipped else 0
        await serve(
            app, args, config, paper, channel, reporter, metrics, platforms,
            stopping=stopping, polling=polling,
        )  # fmt: skip
    leave(await end_leftovers())
    return 0


PREVIEW_ONCE = (
    "Preview of the newest notes day ({day}): nothing is recorded as delivered "
    "(`paperbot run` without --once delivers digests)."
)
PREVIEW_NOT_A_DESTINATION = (
    "Preview of the newest notes day ({day}): the terminal is not a digest destination in "
    "this config, so nothing is recorded as delivered here."
)


@dataclass
class IngestReporter:
    """Prints what an ingest of the notes folder skipped, retracted as gone, or noticed.

    A file that stays broken is re-read by every periodic ingest: it is reported once, and again
    only when its reason changes (or after it was read fine in between).
    """

    write: Callable[[str], None] = field(default=lambda line: _say(line))
    _skipped: dict[str, str] = field(default_factory=dict)
    _notices: set[str] = field(default_factory=set)

    def __call__(self, report: IngestReport) -> None:
        """Report one ingest's news."""
        for file in report.files:
            if file.skipped is None:
                self._skipped.pop(file.path, None)
            elif self._skipped.get(file.path) == file.skipped:
                continue
            else:
                self._skipped[file.path] = file.skipped
            if file.skipped is not None or file.gone or file.warnings:
                for line in file.lines():
                    self.write(line)
        for notice in report.notices:
            if notice not in self._notices:
                self._notices.add(notice)
                self.write(f"notice  {notice}")


class LeadAfterStartUp:
    """A leader lock this process may only take once its start-up ingest is done.

    Until then another process (which has read the folder) leads, or nobody does: a digest at
    start must hold the files added while the bot was down, and a destination's first digest must
    not fix where its history starts from a half-read corpus.
    """

    def __init__(self, lock: LeaderLock, started: asyncio.Event) -> None:
        self._lock, self._started = lock, started

    async def try_acquire(self) -> bool:
        """Refused while the start-up ingest runs."""
        return self._started.is_set() and await self._lock.try_acquire()

    async def still_held(self) -> bool:
        """As the wrapped lock."""
        return await self._lock.still_held()

    async def release(self) -> None:
        """As the wrapped lock."""
        await self._lock.release()


async def serve(
    app: App,
    args: argparse.Namespace,
    config: DeliveryConfig,
    paper: PaperCommand,
    channel: ConsoleChannel,
    reporter: IngestReporter,
    metrics: PrometheusMetrics | None = None,
    platforms: Sequence[ChatPlatform] = (),
    *,
    stopping: float = DEFAULT_TIMEOUT,
    polling: bool = False,
) -> None:
    """Run the digest service, the ingest jobs, the notes watcher, the chat platforms and the
    prompt until stopped; then stop within `stopping` seconds (`bot.cli_shutdown`)."""
    metrics = metrics or PrometheusMetrics()
    delivery = _delivery(app, channel, config, metrics, platforms, args.templates_dir)
    service = DigestService(delivery)
    register_admin_commands(
        paper, ChannelCommands(delivery, on_change=service.destinations_changed)
    )
    subscriptions = wire_subscriptions(app, delivery, paper, metrics, service)
    user = terminal_user(os.environ.get("USER"))
    _serve_prompt(channel, paper, user, delivery)
    subscriptions.serve_terminal(channel, user)
    started = asyncio.Event()
    service.start(LeadAfterStartUp(leader_lock(app.engine), started))
    build_info(metrics)
    watch_store(metrics, app.engine)
    watch_leadership(metrics, lambda: service.election is not None and service.election.leading)
    watch_frozen_heap(metrics)
    health = _health(app, service, started)
    for platform in platforms:
        for name, check in platform.checks().items():
            health.add(name, check)
    mounts = [platform.mount for platform in platforms]
    freeze_start_up_heap()  # wired, nothing served yet: see its docstring
    http = await _start_http(args.http, health, metrics, mounts)
    context = PlatformContext(
        app=app,
        paper=paper,
        delivery=delivery,
        reactions=subscriptions.reactions,
        follow=subscriptions.follow,
        reconciler=subscriptions.reconciler,
        notices=subscriptions.notices,
        personal=subscriptions.personal,
        metrics=metrics,
        templates_dir=args.templates_dir,
        http_port=http.port if http is not None else None,
    )
    running: list[ChatPlatform] = []
    stop = asyncio.Event()
    stop_on_signals(stop, stopping)
    prompt = asyncio.create_task(_prompt_then_stop(channel, stop))
    ingest = _IngestJob(args.notes_dir, delivery, reporter, metrics, subscriptions)
    start_up = asyncio.create_task(
        _start_up(args, delivery, service, channel, reporter, started, metrics, ingest)
    )
    watcher = asyncio.create_task(
        NotesWatcher(args.notes_dir, ingest.on_change(service, started), polling=polling).run(stop)
    )
    try:
        if not stop.is_set():  # else a stop signal came during the start-up: stop at once
            await _warm_up(paper)
            for platform in platforms:
                await platform.start(context)
                running.append(platform)
        await stop.wait()
    finally:
        closers = [(p.platform.value, p.stop) for p in reversed(running)]
        await shut_down(
            stopping,
            drain=delivery.publisher.drain,
            cancel=(start_up, prompt, watcher),
            pause=service.scheduler.pause,
            close=closers + ([("the HTTP server", http.stop)] if http is not None else []),
            stop_scheduling=service.stop,
        )


async def _warm_up(paper: PaperCommand) -> None:
    """Search once before the chat platforms start, so the first `/paper` is not the one that
    compiles the statements and fills the database connection's caches."""
    began = time.perf_counter()
    try:
        await paper.warm_up()
    except Exception:  # boundary: only the first command's speed depends on it
        log.exception("the search warm-up failed")
        return
    log.debug("search warmed up in %.1f ms", (time.perf_counter() - began) * 1000)


TERMINAL_USER = "terminal"
"""The terminal person's id when `$USER` is unset, empty, or no id can be it."""


def terminal_user(value: str | None) -> str:
    """`$USER` as the terminal person's id (`subscriptions.user_id`, `updated_by`): one over
    `ID_CHARS` characters, or not UTF-8 (surrogate-escaped bytes), no column or encoder takes,
    so the person is `terminal` then, said once in the log."""
    if not value:
        return TERMINAL_USER
    problem = None
    if len(value) > ID_CHARS:
        problem = f"over {ID_CHARS} characters"
    if not_utf8(value) is not None:
        problem = "not UTF-8"
    if problem is None:
        return value
    log.warning("USER is %s: the person at the terminal is known as %r", problem, TERMINAL_USER)
    return TERMINAL_USER


def _serve_prompt(
    channel: ConsoleChannel, paper: PaperCommand, user: str, delivery: Delivery
) -> None:
    """The terminal prompt answers as the terminal destination, in its current language
    (looked up per command: `/paper channel set locale en` takes effect at the next line)."""

    async def terminal_locale() -> str:
        settings = await delivery.catalog.get(TERMINAL.key)
        return "ko" if settings is None else settings.destination.locale

    channel.handler = terminal_handler(paper, TERMINAL, user, terminal_locale)
    channel.locale_of = terminal_locale


async def _start_up(
    args: argparse.Namespace,
    delivery: Delivery,
    service: DigestService,
    channel: ConsoleChannel,
    reporter: IngestReporter,
    started: asyncio.Event,
    metrics: PrometheusMetrics,
    ingest: _IngestJob,
) -> None:
    """Read the notes folder, show the terminal's digest, then lead and re-ingest on a timer."""
    began = time.perf_counter()
    try:
        report, corrections = await ingest_and_correct([args.notes_dir], delivery)
    except Exception:  # boundary: the service runs on with what is stored
        log.exception("start-up ingest of %s failed", args.notes_dir)
    else:
        reporter(report)
        record_ingest(metrics, report, trigger="start", seconds=time.perf_counter() - began)
        log.info(
            "start-up ingest of %s: %d files in %.2f s (%d new, %d changed); %s",
            args.notes_dir,
            len(report.files),
            time.perf_counter() - began,
            report.total("added"),
            len(report.changed_keys),
            corrections,
        )
    try:
        await _show_start_digest(delivery, channel, args.notes_dir)
    except Exception:  # boundary: the digest service still starts
        log.exception("the terminal's start digest failed")
    started.set()
    service.scheduler.modify_job(ELECTION_JOB_ID, next_run_time=datetime.now(UTC))
    service.scheduler.add_job(
        ingest.periodic,  # a coroutine function: APScheduler runs it on the loop
        "interval",
        args=[[args.notes_dir]],
        minutes=args.ingest_every,
        id=INGEST_JOB_ID,
        coalesce=True,
        max_instances=1,
    )


async def _show_start_digest(delivery: Delivery, channel: ConsoleChannel, notes_dir: Path) -> None:
    """The terminal's digest through the ledger, or a preview when it is not a destination."""
    settings = await delivery.catalog.get(TERMINAL.key)
    if settings is None:
        await _show_preview(delivery.notes, channel, notes_dir, PREVIEW_NOT_A_DESTINATION)
        return
    key = "start:" + delivery.clock.now().isoformat(timespec="seconds")
    outcome = await delivery.runner.run(settings, key, trigger="start")
    newest = await delivery.notes.newest_day()
    if outcome is RunOutcome.SENT:
        return
    if newest is None:
        _say(f"no notes yet: put notes files in {notes_dir}/ and they will be read")
    elif outcome is RunOutcome.EMPTY:
        _say(
            "No new notes for this terminal since its last digest (newest notes day: "
            f"{newest}; `/paper date:{newest}` shows it)."
        )
    elif outcome is RunOutcome.SKIPPED:
        _say("The terminal's digest is disabled or paused: `/paper channel show` says why.")
    elif outcome is RunOutcome.FAILED:
        _say("The terminal's digest failed: `paperbot deliveries` shows the error.")


async def _show_preview(
    notes: SqlNoteStore, channel: ConsoleChannel, notes_dir: Path, label: str
) -> None:
    day = await notes.newest_day()
    if day is None:
        _say(f"no notes yet: put notes files in {notes_dir}/ and they will be read")
        return
    _say(label.format(day=day))
    channel.show_digest(day_digest(day, await notes.on_day(day), locale="ko", layout=Layout.THREAD))


def _say(line: str) -> None:
    """A line for the person running the bot (stdout, flushed: it may be a pipe)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _health(app: App, service: DigestService, started: asyncio.Event) -> HealthRegistry:
    health = HealthRegistry()

    async def database() -> bool:
        async with app.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    heads = script_heads()

    async def migrations() -> bool:
        return await at_heads(app.engine, heads)

    async def scheduler() -> bool:
        """This process's scheduler runs, and a replica leads: this one (its own poll re-checks
        its lock), else whoever holds the lock now; or this one is still reading the notes
        folder at start, after which it contends for the lock at once (so a lone replica
        serves `/paper` during its start-up ingest, as on SQLite)."""
        if not service.scheduler.running:
            return False
        if not started.is_set():
            return True
        leading = service.election is not None and service.election.leading
        return leading or await somebody_leads(app.engine)

    health.add("database", database)
    health.add("migrations", migrations)
    health.add("scheduler", scheduler)
    return health


async def _start_http(
    address: tuple[str, int] | None,
    health: HealthRegistry,
    metrics: PrometheusMetrics,
    mounts: Sequence[Callable[[web.Application], None]] = (),
) -> HttpServer | None:
    """Serve health and metrics (`address` was checked by the CLI; None: off); a taken port
    costs the endpoints, not the bot."""
    if address is None:
        return None
    host, port = address
    at = f"[{host}]" if ":" in host else host  # as in a URL
    server = HttpServer(health, metrics, mounts=mounts)
    try:
        bound = await server.start(host, port)
    except OSError as exc:
        log.warning("health and metrics endpoints off: cannot listen on %s:%d: %s", at, port, exc)
        return None
    log.info("health and metrics on http://%s:%d/", at, bound)
    return server


def _delivery(
    app: App,
    channel: ConsoleChannel,
    config: DeliveryConfig,
    metrics: PrometheusMetrics,
    platforms: Sequence[ChatPlatform] = (),
    templates_dir: Path | None = None,
) -> Delivery:
    """Each platform's route; digests are rendered here, with the team's template overrides
    (`PAPERBOT_TEMPLATES_DIR`), whatever renderer a platform would pick itself."""
    transport = CountingTransport(ConsoleTransport(channel), metrics, Platform.CONSOLE.value)
    routes = {Platform.CONSOLE: Route(renderer_for(Platform.CONSOLE, templates_dir), transport)}
    for platform in platforms:
        route = platform.route(app)
        counted = CountingTransport(route.transport, metrics, platform.platform.value)
        renderer = renderer_for(platform.platform, templates_dir)
        routes[platform.platform] = Route(renderer, counted, route.advise)
    pacer = Pacer(app.clock, asyncio.sleep, unpaced=frozenset({Platform.CONSOLE}))
    return build_delivery(
        app.engine,
        routes=routes,
        clock=app.clock,
        config=config,
        pacer=pacer,
        notes=app.notes,
        metrics=metrics,
        admin_message=admin_message(config.admin_channel, routes, _admin_locale(config)),
        kept_connections=sum(platform.kept_connections(app) for platform in platforms),
    )


def _admin_locale(config: DeliveryConfig) -> str:
    """The admin channel's locale when it is a declared destination, else Korean (the default)."""
    declared = {d.key: d.destination.locale for d in config.destinations}
    return declared.get(config.admin_channel or "", "ko")


def admin_message(
    admin_channel: str | None, routes: Mapping[Platform, Route], locale: str = "ko"
) -> Callable[[Text], Awaitable[None]] | None:
    """Posts alerts (a paused destination) to `[delivery] admin_channel`, when one is set, in
    `locale` (the admin channel's own when it is a declared destination).

    Raises:
        ConfigError: the channel is not `platform:workspace:channel` of a platform served here.
    """
    if not admin_channel:
        return None
    platform, _, rest = admin_channel.partition(":")
    workspace, _, channel_id = rest.partition(":")
    if platform not in {p.value for p in routes} or not workspace or not channel_id:
        raise ConfigError(
            f"[delivery] admin_channel: {admin_channel!r} is not platform:workspace:channel "
            f"of a platform served here ({', '.join(p.value for p in routes)})"
        )
    route = routes[Platform(platform)]
    destination = Destination(Platform(platform), workspace, channel_id)

    async def post(text: Text) -> None:
        reply = Reply(MessageView(lines=(text,)), ephemeral=False, locale=locale)
        payload = route.renderer.render_reply(reply)
        await route.transport.post(destination, payload)

    return post


class _IngestJob:
    """Ingests of the notes folder (all of it on a timer, or what the watcher saw change), one
    at a time: two ingests of one new file at once would race on its rows."""

    def __init__(
        self,
        notes_dir: Path,
        delivery: Delivery,
        reporter: IngestReporter,
        metrics: PrometheusMetrics,
        subscriptions: Subscriptions,
    ) -> None:
        self._notes_dir, self._delivery, self._reporter = notes_dir, delivery, reporter
        self._metrics, self._subscriptions = metrics, subscriptions
        self._one_at_a_time = asyncio.Lock()

    async def __call__(self, paths: Sequence[Path], trigger: str = "periodic") -> None:
        """Ingest `paths`, correct posted messages, and tell the subscriptions."""
        async with self._one_at_a_time:
            began = time.perf_counter()
            report, corrections = await ingest_and_correct(paths, self._delivery)
            self._reporter(report)
            seconds = time.perf_counter() - began
            record_ingest(self._metrics, report, trigger=trigger, seconds=seconds)
            await self._subscriptions.after_ingest(report)
        if report.total("added") or report.changed_keys:
            log.info(
                "ingested %s: %d new, %d changed; %s",
                ", ".join(map(str, paths)),
                report.total("added"),
                len(report.changed_keys),
                corrections,
            )

    async def periodic(self, paths: Sequence[Path]) -> None:
        """The re-ingest timer's job. APScheduler 3 tells a coroutine job by its function: an
        object with an async `__call__` would be run in its thread pool, never awaited."""
        await self(paths, trigger="periodic")

    def on_change(
        self, service: DigestService, started: asyncio.Event
    ) -> Callable[[Sequence[Path]], Awaitable[None]]:
        """What the watcher calls: after the start-up ingest, and on the leader only (every
        replica re-ingests on its timer; the leader alone follows the folder's changes, so
        replicas sharing one volume never ingest one change at once)."""

        async def changed(paths: Sequence[Path]) -> None:
            await started.wait()
            if service.election is not None and service.election.leading:
                await self(paths, trigger="watcher")
            else:
                log.debug("a change in %s: left to the leader", self._notes_dir)

        return changed


async def _prompt_then_stop(channel: ConsoleChannel, stop: asyncio.Event) -> None:
    """On a terminal, answer `/paper` lines; `:quit` or Ctrl-D stops the bot."""
    if not sys.stdin.isatty():
        return
    await channel.prompt(stdin_lines())
    stop.set()
