"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, open_app
from tests.support.clock import FixedClock
from tests.support.databases import PostgresDatabases, postgres_available, run_in_thread

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default="all",
        choices=("all", *BACKENDS),
        help="which databases the storage tests run on (default: all)",
    )
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden payload files from the current renderers (review the diff)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres_only: test needs PostgreSQL features")


@pytest.fixture(scope="session")
def postgres_databases(request: pytest.FixtureRequest) -> Iterator[PostgresDatabases]:
    reason = postgres_available()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must test PostgreSQL)")
        pytest.skip(f"{reason}; set PAPERBOT_TEST_PG_URL or use --db sqlite")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    databases = PostgresDatabases(worker)
    yield databases
    run_in_thread(databases.drop_template())


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database of each backend; the test runs once per backend."""
    backend: str = request.param
    chosen = request.config.getoption("--db")
    if chosen not in ("all", backend):
        pytest.skip(f"--db {chosen}")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'paperbot.sqlite3'}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    async with databases.fresh() as url:
        yield url


@pytest.fixture(params=BACKENDS)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database of each backend with no schema at all: migration tests build it up."""
    if request.config.getoption("--db") not in ("all", request.param):
        pytest.skip("--db")
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    async with databases.fresh(migrated=False) as url:
        yield url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def app(database_url: str, clock: FixedClock) -> AsyncIterator[App]:
    """The real composition root on a fresh database, with a fixed clock."""
    async with open_app(database_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-golden"))


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
