"""Engines for SQLite (embedded default, WAL) and PostgreSQL, from one URL setting."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import ConfigError
from bot.settings import database_backend, default_database_url
from bot.store.sqlite_gate import GatedConnection, gate_for

__all__ = ["database_error", "make_engine", "normalize_database_url", "sqlite_file"]

BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another's write lock
PG_CONNECT_TIMEOUT = 10.0  # seconds; asyncpg's own default (60 s) reads as a hang


def normalize_database_url(raw: str | None) -> URL:
    """Turn any SQLAlchemy URL for SQLite or PostgreSQL into its asyncio-driver form.

    `None` means the embedded default (`default_database_url`: never the working directory).
    """
    raw = raw or default_database_url()
    try:
        backend = database_backend(raw)
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL: {exc}: {_redact(raw)!r}") from None
    driver = "sqlite+aiosqlite" if backend == "sqlite" else "postgresql+asyncpg"
    return make_url(raw).set(drivername=driver)


def database_error(url: URL, action: str, exc: BaseException) -> ConfigError:
    """One line saying which database (password hidden) failed to do what, and the driver's
    reason: what a person needs to fix a URL, a server or a folder."""
    reason = getattr(exc, "orig", None) or exc
    first = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    shown = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
    return ConfigError(f"DATABASE_URL {shown}: {action}: {first}")


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is no number
        return raw.split("@")[-1]


def sqlite_file(url: URL) -> str | None:
    """The SQLite database file `url` names, or None (another engine, in memory, a `file:`
    URI): where a folder is made, a migration lock file sits and writers take turns."""
    database = url.database or ""
    if (
        url.get_backend_name() != "sqlite"
        or database in ("", ":memory:")
        or database.startswith("file:")
    ):
        return None
    return database


def make_engine(raw_url: URL | str | None = None, **pool: Any) -> AsyncEngine:
    """Create the engine; for SQLite create the file's folder and turn on WAL and foreign keys.

    `pool` options (`pool_size`, `max_overflow`, `pool_timeout`) go to SQLAlchemy as they are.
    """
    if isinstance(raw_url, URL):
        raw_url = raw_url.render_as_string(hide_password=False)
    url = normalize_database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        if (database := sqlite_file(url)) is not None:
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise database_error(url, "cannot create the database folder", exc) from None
        engine = create_async_engine(url, async_creator=_sqlite_connector(url), **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, pool_pre_ping=True, connect_args={"timeout": PG_CONNECT_TIMEOUT}, **pool
    )


def _sqlite_connector(url: URL) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """aiosqlite connections as SQLAlchemy would open them, behind the file's `WriteGate`
    (`bot.store.sqlite_gate`: this process's writers take turns instead of polling)."""
    args, params = aiosqlite_dialect().create_connect_args(url)
    params.setdefault("timeout", BUSY_TIMEOUT)
    database = str(args[0])
    gate = gate_for(database, BUSY_TIMEOUT) if sqlite_file(url) is not None else None

    async def connect() -> aiosqlite.Connection:
        def opened() -> sqlite3.Connection:
            return sqlite3.connect(database, **params)

        connection = (
            GatedConnection(opened, gate) if gate is not None else aiosqlite.Connection(opened, 64)
        )
        connection._thread.daemon = True  # as SQLAlchemy does: a lost one never holds the exit
        return await connection

    return connect


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    except sqlite3.DatabaseError:
        cursor.close()
        raise
    cursor.close()
