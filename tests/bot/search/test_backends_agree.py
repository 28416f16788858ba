"""The same query on SQLite and PostgreSQL returns the same notes, order, scores and totals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import open_app
from bot.ingest.importer import ingest_paths
from bot.search.evaluation import load_judgments
from bot.search.query import parse_query
from tests.support.clock import FixedClock
from tests.support.databases import PostgresDatabases
from tests.support.search import JUDGMENTS_PATH, search_service

EXTRA_QUERIES = [
    "llm page:2",
    "tag:benchmark",
    "모델 학습 데이터",
    "model training data",
    "interpretab sparse 평가",
    "since:2024-03 until:2024-06 alignment",
    "author:wang",
    "s",
    "the",
]


@pytest.fixture
async def postgres_url(
    request: pytest.FixtureRequest,
) -> AsyncIterator[str]:
    if request.config.getoption("--db") == "sqlite":
        pytest.skip("--db sqlite")
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    async with databases.fresh() as url:
        yield url


async def _results(url: str, seeds_dir: Path, queries: list[str]) -> list[object]:
    async with open_app(url, clock=FixedClock()) as app:
        await ingest_paths([seeds_dir], app.notes, app.clock)
        service = search_service(app)
        results: list[object] = []
        for text in queries:
            page = await service.search(parse_query(text), page_size=10)
            results.append(
                (text, page.total, [(h.note.key, h.score) for h in page.hits], page.next_cursor)
            )
        return results


async def test_sqlite_and_postgresql_agree(
    postgres_url: str, tmp_path: Path, seeds_dir: Path
) -> None:
    queries = [j.text for j in load_judgments(JUDGMENTS_PATH)] + EXTRA_QUERIES
    on_sqlite = await _results(f"sqlite:///{tmp_path / 'a.sqlite3'}", seeds_dir, queries)
    on_postgres = await _results(postgres_url, seeds_dir, queries)
    assert on_sqlite == on_postgres
    assert sum(1 for r in on_sqlite if r[1]) >= len(queries) - 2  # we compared real results
