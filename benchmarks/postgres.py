"""The benchmarks' PostgreSQL: the local server's admin URL, admin statements, per-run databases."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

__all__ = ["PG_ADMIN", "admin_execute", "database_url"]

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def admin_execute(sql: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) on the admin database."""
    url = make_url(PG_ADMIN)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def database_url(name: str) -> str:
    """The admin URL pointed at database `name`."""
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
