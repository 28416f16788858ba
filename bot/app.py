"""Composition root: builds the engine and services from settings, and owns shutdown."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console import CommandHandler, ConsoleChannel, terminal_width
from bot.clock import SystemClock
from bot.commands.paper import PaperCommand
from bot.commands.request import CommandRequest
from bot.models import Destination, Platform
from bot.payloads import ConsolePayload, DiscordPayload, SlackPayload
from bot.ports import Clock, Metrics, Renderer
from bot.replies import Reply
from bot.search.glossary import Glossary, load_glossary
from bot.search.index_sql import SqlSearchIndex
from bot.search.indexer import SearchIndexer, stale_glossary_message
from bot.search.service import SearchService
from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database
from bot.store.notes import SqlNoteStore
from bot.tasks import bounded
from formatters.console_text import WIDTH, ConsoleRenderer
from formatters.discord_embeds import DiscordRenderer
from formatters.slack_blocks import SlackRenderer
from formatters.templating import Templates

log = logging.getLogger(__name__)

__all__ = [
    "DISPOSE_TIMEOUT",
    "App",
    "console_channel",
    "freeze_start_up_heap",
    "open_app",
    "paper_command",
    "renderer_for",
    "search_service",
    "terminal_handler",
]


DISPOSE_TIMEOUT = 2.0  # seconds the engine's close may take (each pooled connection's)


@dataclass(frozen=True, slots=True)
class App:
    """The services one process runs with."""

    engine: AsyncEngine
    notes: SqlNoteStore
    clock: Clock
    glossary: Glossary


def freeze_start_up_heap() -> None:
    """Collect start-up's garbage, then take what is left (modules, classes, configuration,
    the wiring) out of the cyclic garbage collector's reach (`gc.freeze`).

    `paperbot run` answers `/paper`, interactions and gateway heartbeats on the event loop
    that runs its ingests, and a full collection walks every tracked object while it holds the
    loop: 40-60 ms in the middle of a first ingest of 2,000 notes (`benchmarks/ingest_stall.py`),
    most of it spent on objects that live as long as the process. Frozen objects are still
    freed when their last reference goes; only a reference cycle among them is never
    collected. It acts on the whole process, so `paperbot run` calls it once, when it is wired
    and before its start-up ingest; nothing else (tests, other commands) does.
    """
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def open_app(
    database_url: str | None,
    *,
    clock: Clock | None = None,
    glossary: Glossary | None = None,
    warn_stale_index: bool = True,
) -> AsyncIterator[App]:
    """Open the database (migrating it to the current schema) and dispose of it on exit.

    The glossary (default: `$PAPERBOT_GLOSSARY`, else the shipped one) shapes the search index
    the notes store keeps; an index built with another glossary is logged as such, unless
    `warn_stale_index` is off (the re-index itself: advising to run it would be noise).
    """
    glossary = glossary or load_glossary()
    engine = make_engine(database_url)
    try:
        await upgrade_database(engine)
        stale = await stale_glossary_message(engine, glossary) if warn_stale_index else None
        if stale is not None:
            log.warning("%s", stale)
        notes = SqlNoteStore(engine, indexer=SearchIndexer.build(glossary))
        yield App(engine=engine, notes=notes, clock=clock or SystemClock(), glossary=glossary)
    finally:
        try:  # a database gone or overloaded must not hold the process: its sockets end with it
            await bounded(engine.dispose(), DISPOSE_TIMEOUT, unwind=DISPOSE_TIMEOUT / 2)
        except TimeoutError:
            log.warning("closing the database took over %.0f s; cut off", DISPOSE_TIMEOUT)


def renderer_for(platform: Platform, templates_dir: Path | None = None) -> Renderer[Any]:
    """The renderer of one platform, with the team's template overrides when configured."""
    templates = Templates(templates_dir)
    if platform is Platform.SLACK:
        slack: Renderer[SlackPayload] = SlackRenderer(templates=templates)
        return slack
    if platform is Platform.DISCORD:
        discord: Renderer[DiscordPayload] = DiscordRenderer(templates=templates)
        return discord
    return _console_renderer(templates)


def _console_renderer(templates: Templates) -> Renderer[ConsolePayload]:
    """Lines wrap at the terminal's width (at most 96 cells; 96 in a pipe or a log)."""
    return ConsoleRenderer(templates=templates, width=terminal_width(WIDTH))


def console_channel(
    handler: CommandHandler | None, templates_dir: Path | None = None
) -> ConsoleChannel:
    """The terminal channel on stdout, the default when no chat platform is configured."""
    return ConsoleChannel(_console_renderer(Templates(templates_dir)), handler=handler)


def search_service(app: App) -> SearchService:
    """Search over the app's notes, read with the glossary its index was built with."""
    return SearchService(app.notes, SqlSearchIndex(app.engine), app.glossary)


def paper_command(app: App, metrics: Metrics | None = None) -> PaperCommand:
    """The `/paper` command core over the app's notes and search index, recording into
    `metrics` when given."""
    return PaperCommand(search_service(app), metrics=metrics)


def terminal_handler(
    paper: PaperCommand,
    destination: Destination,
    user: str,
    locale: str | Callable[[], Awaitable[str]] = "ko",
) -> CommandHandler:
    """`/paper` typed at the terminal prompt, answered as if typed in `destination`, in
    `locale` (or what it returns per command: the destination's language may change from chat).

    The person at the terminal runs the bot, so they are its admin.
    """

    async def handle(text: str) -> Reply:
        request = CommandRequest(
            destination.platform,
            destination.workspace,
            destination.channel,
            user,
            text,
            locale if isinstance(locale, str) else await locale(),
            platform_admin=True,
        )
        return await paper.handle(request)

    return handle
