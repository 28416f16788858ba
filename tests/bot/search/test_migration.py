"""Notes stored before the search migration are indexed by it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from bot.app import open_app
from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database
from bot.store.schema import NoteRow
from tests.support.clock import FixedClock
from tests.support.databases import PostgresDatabases
from tests.support.search import keys_for, search_service


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.config.getoption("--db") not in ("all", request.param):
        pytest.skip("--db")
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    async with databases.fresh(migrated=False) as url:
        yield url


async def test_upgrade_indexes_existing_notes(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        await upgrade_database(engine, "0001")
        now = FixedClock().now()
        async with engine.begin() as connection:  # what the code before the index wrote
            await connection.execute(
                insert(NoteRow).values(
                    id="2024-05-01-old",
                    day=date(2024, 5, 1),
                    title="An old note about sparse autoencoders",
                    authors=["Ada Lovelace"],
                    abstract="",
                    commentary="희소 오토인코더 평가를 다룬 글",
                    links=[],
                    tags=["interpretability"],
                    source_file="old.txt",
                    source_line=2,
                    position=0,
                    content_hash="h",
                    retracted=False,
                    created_at=now,
                    updated_at=now,
                )
            )
    finally:
        await engine.dispose()
    async with open_app(empty_url) as app:
        service = search_service(app)
        for text in ("평가", "sparse", "tag:interpretability", "author:lovelace"):
            assert await keys_for(service, text) == ["2024-05-01-old"], text


async def test_upgrade_adds_phrase_pairs_once(empty_url: str) -> None:
    """0004 gives notes indexed before it their word-pair terms, without duplicating the ones
    0002's backfill already wrote; phrase queries read them."""
    engine = make_engine(empty_url)
    try:
        await upgrade_database(engine, "0001")
        now = FixedClock().now()
        async with engine.begin() as connection:
            await connection.execute(
                insert(NoteRow).values(
                    id="2024-05-01-old",
                    day=date(2024, 5, 1),
                    title="Weight averaging of fine-tuned models",
                    authors=["Ada Lovelace"],
                    abstract="Averaging weights is not weight averaging backwards.",
                    commentary="",
                    links=[],
                    tags=["merging"],
                    source_file="old.txt",
                    source_line=2,
                    position=0,
                    content_hash="h",
                    retracted=False,
                    created_at=now,
                    updated_at=now,
                )
            )
        await upgrade_database(engine)
        async with engine.connect() as connection:
            df = await connection.scalar(
                text("SELECT df FROM search_terms WHERE term = :t"), {"t": ">weight averag"}
            )
            postings = await connection.scalar(
                text("SELECT COUNT(*) FROM search_postings WHERE term = :t"),
                {"t": ">weight averag"},
            )
        assert (df, postings) == (1, 1)
    finally:
        await engine.dispose()
    async with open_app(empty_url) as app:
        service = search_service(app)
        assert await keys_for(service, '"weight averaging"') == ["2024-05-01-old"]
        assert await keys_for(service, '"averaging models"') == []
