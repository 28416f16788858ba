"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.app import App
from bot.store.migrate import upgrade_database
from bot.store.schema import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(app: App) -> None:
    async with app.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
        assert {"notes", "note_tags", "ingested_files", "alembic_version"} <= await conn.run_sync(
            _tables
        )


async def test_upgrade_is_idempotent(app: App) -> None:
    await upgrade_database(app.engine)
    await upgrade_database(app.engine)
    async with app.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
