"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from bot.app import App
from bot.store.migrate import MIGRATIONS_DIR, at_heads, script_heads, upgrade_database
from bot.store.schema import Base
from bot.store.search_generation import WATCHED_TABLES


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


def _triggered_tables(connection: Connection) -> set[str]:
    """The tables that carry a search-generation trigger (SQLite or PostgreSQL catalogue)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        )
    return {row[0] for row in connection.exec_driver_sql(query)}


async def test_every_watched_table_keeps_its_search_generation_trigger(app: App) -> None:
    """A migration that rebuilds a watched table (as `ingest_0013` rebuilds `search_texts`) must
    come before the triggers are made, or the results cache would miss that table's writes."""
    async with app.engine.connect() as conn:
        assert set(WATCHED_TABLES) <= await conn.run_sync(_triggered_tables)


async def _stand_at(app: App, versions: set[str]) -> None:
    async with app.engine.begin() as conn:
        await conn.execute(text("DELETE FROM alembic_version"))
        for version in sorted(versions):
            await conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})


async def test_upgrade_applies_every_head_and_only_exactly_those_count_as_current(
    app: App,
) -> None:
    """Features branch, so the code ships several heads; `upgrade` applies them all, and the
    readiness check (`at_heads`) wants exactly them: a database one behind on a branch, or
    migrated further by another release, is not current."""
    heads = script_heads()
    assert len(heads) > 1
    assert await at_heads(app.engine, heads)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    newest = sorted(heads)[0]
    parent = ScriptDirectory.from_config(config).get_revision(newest).down_revision
    assert isinstance(parent, str)
    await _stand_at(app, (heads - {newest}) | {parent})
    assert not await at_heads(app.engine, heads)  # one behind
    await _stand_at(app, heads | {"9999_newer_release"})
    assert not await at_heads(app.engine, heads)  # ahead
    await _stand_at(app, set(heads))
    assert await at_heads(app.engine, heads)
