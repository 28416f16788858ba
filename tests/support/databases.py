"""Real databases for tests: a temp SQLite file, or a fresh PostgreSQL database per test.

PostgreSQL databases are cloned from a template migrated once per test process, so each test starts
from the current schema in a few milliseconds and never sees another test's rows.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get(
    "PAPERBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def break_table(database_url: str, table: str) -> None:
    """Rename `table` away (to `gone`): every statement the store sends it then fails at the
    database, as a broken schema would, while the rest keeps working."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"ALTER TABLE {table} RENAME TO gone"))
    finally:
        await engine.dispose()


def pg_url_for(database: str) -> str:
    """The admin URL pointed at another database."""
    return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


async def _admin_execute(sql: str) -> None:
    url = make_url(PG_ADMIN_URL)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while an event loop is running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def postgres_available() -> str | None:
    """None when the test server answers, else the reason it doesn't."""
    try:
        run_in_thread(_admin_execute("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string()} unreachable: {exc}"
    return None


class PostgresDatabases:
    """Creates per-test databases from one migrated template."""

    def __init__(self, worker: str) -> None:
        self._prefix = f"pbt_{worker}_{uuid.uuid4().hex[:6]}"
        self._template: str | None = None

    async def _ensure_template(self) -> str:
        if self._template is None:
            name = f"{self._prefix}_tmpl"
            await _admin_execute(f'CREATE DATABASE "{name}"')
            engine = make_engine(pg_url_for(name))
            try:
                await upgrade_database(engine)
            finally:
                await engine.dispose()
            self._template = name
        return self._template

    @asynccontextmanager
    async def fresh(self, *, migrated: bool = True) -> AsyncIterator[str]:
        """A new empty database (at the current schema when `migrated`), dropped afterwards."""
        name = f"{self._prefix}_{uuid.uuid4().hex[:8]}"
        template = await self._ensure_template() if migrated else "template0"
        await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield pg_url_for(name)
        finally:
            await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def drop_template(self) -> None:
        """Remove the template at the end of the run."""
        if self._template is not None:
            await _admin_execute(f'DROP DATABASE IF EXISTS "{self._template}" WITH (FORCE)')
