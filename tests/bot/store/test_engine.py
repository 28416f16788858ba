"""Database URLs and engine settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.errors import ConfigError
from bot.store.engine import make_engine, normalize_database_url


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        (None, "sqlite+aiosqlite"),
        ("sqlite:///x.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_urls_get_the_asyncio_driver(raw: str | None, driver: str) -> None:
    assert normalize_database_url(raw).drivername == driver


def test_default_is_a_file_under_data_of_the_checkout_not_the_working_directory() -> None:
    checkout = Path(__file__).resolve().parents[3]
    assert normalize_database_url(None).database == str(checkout / "data" / "paperbot.sqlite3")


@pytest.mark.parametrize("raw", ["mysql://u:pw@h/db", "not a url at all"])
def test_bad_urls_name_the_setting_and_hide_the_password(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        normalize_database_url(raw)
    assert str(caught.value).startswith("DATABASE_URL:")
    assert "pw" not in str(caught.value)


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()
