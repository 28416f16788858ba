"""Composition root: builds the engine and services from settings, and owns shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.ports import Clock
from bot.search.glossary import Glossary, load_glossary
from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database
from bot.store.notes import SqlNoteStore

__all__ = ["App", "open_app"]


@dataclass(frozen=True, slots=True)
class App:
    """The services one process runs with."""

    engine: AsyncEngine
    notes: SqlNoteStore
    clock: Clock


@asynccontextmanager
async def open_app(
    database_url: str | None, *, clock: Clock | None = None, glossary: Glossary | None = None
) -> AsyncIterator[App]:
    """Open the database (migrating it to the current schema) and dispose of it on exit.

    The glossary (default: `$PAPERBOT_GLOSSARY` or config/glossary.toml) shapes the search index.
    """
    engine = make_engine(database_url)
    try:
        await upgrade_database(engine)
        notes = SqlNoteStore(engine, glossary=glossary or load_glossary())
        yield App(engine=engine, notes=notes, clock=clock or SystemClock())
    finally:
        await engine.dispose()
