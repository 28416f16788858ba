"""`paperbot run`: the bot's main job as one long-running process.

At start it ingests the notes folder and shows the newest day in the terminal (a preview: it
records nothing). Then it runs the digest service (leader election, one cron job per destination,
the delivery ledger) and re-ingests the notes folder every few minutes, editing posted messages of
notes that changed. With no destination declared and no chat platform configured, the terminal
itself is the one destination, on the default schedule. On a terminal a prompt takes `/paper …`;
without one (a container, a pipe) the process just serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from adapters.console import ConsoleChannel, ConsoleTransport, stdin_lines
from adapters.http.server import HttpServer
from bot.app import App, console_channel, renderer_for, terminal_handler
from bot.cli_metrics import (
    CountingTransport,
    describe,
    record_ingest,
    timed_commands,
    watch_leadership,
    watch_store,
)
from bot.commands.admin import register_admin_commands
from bot.commands.channel import ChannelCommands
from bot.commands.paper import PaperCommand
from bot.delivery.config import DeliveryConfig, load_delivery_config
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery, build_delivery
from bot.digest.settings import DestinationSettings, Origin
from bot.errors import ConfigError
from bot.health import HealthRegistry
from bot.metrics import MetricsRegistry
from bot.models import Destination, Digest, Platform
from bot.replies import MessageView, Reply
from bot.scheduling.jobs import ingest_and_correct
from bot.scheduling.leader import leader_lock
from bot.scheduling.runtime import DigestService

__all__ = ["TERMINAL", "delivery_config", "serve"]

log = logging.getLogger(__name__)

TERMINAL = Destination(Platform.CONSOLE, "local", "terminal", name="terminal")
INGEST_JOB_ID = "ingest-notes"
SHUTDOWN_GRACE_SECONDS = 15.0


def delivery_config(path: Path | None) -> DeliveryConfig:
    """Declared destinations, or the terminal alone when none is declared.

    Raises:
        ConfigError: a declared destination's platform has no transport in this build.
    """
    config = load_delivery_config(path)
    for index, declared in enumerate(config.destinations):
        if declared.destination.platform is not Platform.CONSOLE:
            raise ConfigError(
                f"{path}: destinations[{index}].platform: {declared.destination.platform.value} "
                'delivery is not available in this build yet; use platform = "console"'
            )
    admin = config.admin_channel
    if admin and not (admin.startswith("console:") and len(admin.split(":")) == 3):
        raise ConfigError(
            f"{path}: delivery.admin_channel: {admin!r} must be console:WORKSPACE:CHANNEL "
            "in this build (Slack and Discord delivery are not available yet)"
        )
    if config.destinations:
        return config
    return replace(config, destinations=(DestinationSettings(TERMINAL, origin=Origin.DEFAULT),))


async def serve(
    app: App,
    args: argparse.Namespace,
    config: DeliveryConfig,
    paper: PaperCommand,
    user: str,
    preview: Digest | None,
    metrics: MetricsRegistry | None = None,
) -> None:
    """Run the digest service, the ingest job and the prompt until stopped."""
    metrics = metrics or MetricsRegistry()
    handler = timed_commands(terminal_handler(paper, TERMINAL, user), metrics, "console")
    channel = console_channel(handler, args.templates_dir)
    if preview is not None:
        channel.show_digest(preview)
    if args.once:
        return
    delivery = _delivery(app, channel, config, metrics)
    service = DigestService(delivery)
    register_admin_commands(
        paper, ChannelCommands(delivery, on_change=service.destinations_changed)
    )
    service.start(leader_lock(app.engine))
    service.scheduler.add_job(
        _ingest_job,
        "interval",
        args=[args.notes_dir, delivery, metrics],
        minutes=args.ingest_every,
        id=INGEST_JOB_ID,
        coalesce=True,
        max_instances=1,
    )
    describe(metrics)
    watch_store(metrics, app.engine)
    watch_leadership(metrics, lambda: service.election is not None and service.election.leading)
    http = await _start_http(args.http, _health(app, service), metrics)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    prompt = asyncio.create_task(_prompt_then_stop(channel, stop))
    try:
        await stop.wait()
    finally:
        prompt.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await prompt
        if http is not None:
            await http.stop()
        await service.stop()
        await _drain_tasks(SHUTDOWN_GRACE_SECONDS)


async def _drain_tasks(grace: float) -> None:
    """Let jobs still running (or being cancelled) finish before the engine is disposed.

    A job cut off mid-query would keep its database connection, and aiosqlite's connection
    thread is not a daemon: the process would never exit after SIGTERM.
    """
    current = asyncio.current_task()
    running = {task for task in asyncio.all_tasks() if task is not current and not task.done()}
    if running:
        log.debug("waiting for %s", [t.get_coro() for t in running])
        _done, pending = await asyncio.wait(running, timeout=grace)
        if pending:
            log.warning("%d tasks still running at shutdown", len(pending))


def _health(app: App, service: DigestService) -> HealthRegistry:
    health = HealthRegistry()

    async def database() -> bool:
        async with app.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def scheduler() -> bool:
        return bool(service.scheduler.running)

    health.add("database", database)
    health.add("scheduler", scheduler)
    return health


async def _start_http(
    address: tuple[str, int] | None, health: HealthRegistry, metrics: MetricsRegistry
) -> HttpServer | None:
    """Serve health and metrics (`address` was checked by the CLI; None: off); a taken port
    costs the endpoints, not the bot."""
    if address is None:
        return None
    host, port = address
    server = HttpServer(health, metrics)
    try:
        bound = await server.start(host, port)
    except OSError as exc:
        log.warning("health and metrics endpoints off: cannot listen on %s:%d: %s", host, port, exc)
        return None
    log.info("health and metrics on http://%s:%d/", host, bound)
    return server


def _delivery(
    app: App, channel: ConsoleChannel, config: DeliveryConfig, metrics: MetricsRegistry
) -> Delivery:
    transport = CountingTransport(ConsoleTransport(channel), metrics, Platform.CONSOLE.value)
    routes = {Platform.CONSOLE: Route(renderer_for(Platform.CONSOLE), transport)}
    pacer = Pacer(app.clock, asyncio.sleep, unpaced=frozenset({Platform.CONSOLE}))
    return build_delivery(
        app.engine,
        routes=routes,
        clock=app.clock,
        config=config,
        pacer=pacer,
        notes=app.notes,
        metrics=metrics,
        admin_message=admin_message(config.admin_channel, routes),
    )


def admin_message(
    admin_channel: str | None, routes: Mapping[Platform, Route]
) -> Callable[[str], Awaitable[None]] | None:
    """Posts alerts (a paused destination) to `[delivery] admin_channel`, when one is set.

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

    async def post(text: str) -> None:
        payload = route.renderer.render_reply(Reply(MessageView(text), ephemeral=False))
        await route.transport.post(destination, payload)

    return post


async def _ingest_job(notes_dir: Path, delivery: Delivery, metrics: MetricsRegistry) -> None:
    report, corrections = await ingest_and_correct([notes_dir], delivery)
    record_ingest(metrics, report)
    for skipped in report.skipped:
        log.error("ingest skipped %s", skipped.skipped)
    if report.total("added") or report.changed_keys:
        log.info(
            "ingested %s: %d new, %d changed; %s",
            notes_dir,
            report.total("added"),
            len(report.changed_keys),
            corrections,
        )


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)


async def _prompt_then_stop(channel: ConsoleChannel, stop: asyncio.Event) -> None:
    """On a terminal, answer `/paper` lines; `:quit` or Ctrl-D stops the bot."""
    if not sys.stdin.isatty():
        return
    await channel.prompt(stdin_lines())
    stop.set()
