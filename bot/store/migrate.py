"""Schema migrations with Alembic, run from code so every command can upgrade a fresh database."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import database_error, sqlite_file

__all__ = ["MIGRATIONS_DIR", "at_heads", "script_heads", "upgrade_database"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_LOCK_ID = 0x70617065  # "pape": one PostgreSQL advisory lock for schema changes


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Replicas starting together: one migrates, the others wait and then find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    command.upgrade(_alembic_config(connection), revision)


def script_heads() -> frozenset[str]:
    """Every branch head of the migrations this code ships (read once per call: cache it)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _current_heads(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def at_heads(engine: AsyncEngine, heads: frozenset[str]) -> bool:
    """Whether the database stands at exactly `heads` (every branch applied, none unknown).

    Raises what the driver raises when the database does not answer.
    """
    async with engine.connect() as connection:
        return await connection.run_sync(_current_heads) == heads


async def upgrade_database(engine: AsyncEngine, revision: str = "heads") -> None:
    """Apply every migration up to `revision` in one transaction.

    Each feature's migrations branch from `0001`; "heads" applies every branch. Processes starting
    together wait for each other: PostgreSQL through an advisory lock, SQLite through a lock file
    beside the database (SQLite runs DDL outside the transaction, so it can't lock by itself).

    Raises:
        ConfigError: the database cannot be reached or written (wrong host, port, user or
            database; a folder that cannot be written), in one line naming it.
    """
    await _open(engine)
    async with _sqlite_file_lock(engine):
        # Inside the lock: on SQLite a connection's set-up writes (WAL mode), which another
        # process's migration, holding the write lock, would refuse as "database is locked".
        await _connect(engine)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade, revision)
        except OperationalError as exc:
            if engine.dialect.name != "sqlite":
                raise
            # read-only file or folder, full disk: the person can fix these
            raise database_error(engine.url, "cannot write the database", exc) from None


async def _open(engine: AsyncEngine) -> None:
    """A SQLite file is opened once with the stdlib driver first: aiosqlite's worker thread,
    when its connect fails, can outlive the event loop and print a traceback of its own after
    our message; an unwritable folder is said here, before the lock file is made beside it."""
    database = sqlite_file(engine.url)
    if database is None:
        return
    try:
        await asyncio.to_thread(_open_sqlite, database)
    except (OSError, sqlite3.Error) as exc:
        raise database_error(engine.url, "cannot open (is its folder writable?)", exc) from None


async def _connect(engine: AsyncEngine) -> None:
    """The first contact: a wrong URL fails here with one line, not a driver's traceback."""
    try:
        async with engine.connect():
            pass
    except (OSError, DBAPIError) as exc:
        raise database_error(engine.url, "cannot connect", exc) from None


def _open_sqlite(database: str) -> None:
    sqlite3.connect(database).close()


@asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    database = sqlite_file(engine.url)
    if database is None:
        yield
        return
    path = f"{database}.migrate-lock"
    try:
        handle = open(path, "a+b")  # noqa: ASYNC230, SIM115 - opening a lock file doesn't block
    except OSError as exc:
        raise database_error(engine.url, f"cannot create the lock file {path}", exc) from None
    with handle:
        # Waiting for another process's migration blocks a thread, never the event loop.
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
