"""Schema migrations with Alembic, run from code so every command can upgrade a fresh database."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["MIGRATIONS_DIR", "upgrade_database"]

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


async def upgrade_database(engine: AsyncEngine, revision: str = "heads") -> None:
    """Apply every migration up to `revision` in one transaction.

    Each feature's migrations branch from `0001`; "heads" applies every branch. Processes starting
    together wait for each other: PostgreSQL through an advisory lock, SQLite through a lock file
    beside the database (SQLite runs DDL outside the transaction, so it can't lock by itself).
    """
    with _sqlite_file_lock(engine):
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)


@contextmanager
def _sqlite_file_lock(engine: AsyncEngine) -> Iterator[None]:
    database = engine.url.database or ""
    if (
        engine.dialect.name != "sqlite"
        or database in ("", ":memory:")
        or database.startswith("file:")
    ):
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
