"""Leader election is PostgreSQL's (advisory locks) or SQLite's (one process): one backend each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import PostgresDatabases


@pytest.fixture
async def postgres_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database, for tests of what only PostgreSQL does."""
    if request.config.getoption("--db") == "sqlite":
        pytest.skip("--db sqlite")
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    async with databases.fresh() as url:
        yield url


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file, for tests of what only SQLite does."""
    if request.config.getoption("--db") == "postgresql":
        pytest.skip("--db postgresql")
    return f"sqlite:///{tmp_path / 'paperbot.sqlite3'}"
