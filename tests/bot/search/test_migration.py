"""Notes stored before the search migration are indexed by it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, insert, inspect, text

from bot.app import App, open_app
from bot.ingest.importer import ingest_paths
from bot.search.evaluation import load_judgments
from bot.search.group_terms import GroupMatcher
from bot.search.index_terms import index_note
from bot.search.indexer import postings_fingerprint
from bot.search.query import parse_query
from bot.store.engine import make_engine
from bot.store.migrate import MIGRATIONS_DIR, upgrade_database
from bot.store.schema import NoteRow
from tests.support.clock import FixedClock
from tests.support.search import JUDGMENTS_PATH, keys_for, search_service


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


def _alembic(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def _judged_results(app: App) -> list[object]:
    service = search_service(app)
    results: list[object] = []
    for judged in load_judgments(JUDGMENTS_PATH):
        page = await service.search(parse_query(judged.text), page_size=10)
        results.append((judged.text, page.total, [(h.note.key, h.score) for h in page.hits]))
    return results


async def _ingest_and_downgrade(app: App, seeds_dir: Path, revision: str) -> list[object]:
    """Ingest the seeds, note the judged queries' results, then downgrade to `revision`."""
    await ingest_paths([seeds_dir], app.notes, app.clock)
    before = await _judged_results(app)
    async with app.engine.begin() as connection:
        await connection.run_sync(_alembic, revision)
    return before


async def test_a_database_in_the_old_index_layout_searches_the_same_after_upgrade(
    database_url: str, seeds_dir: Path
) -> None:
    """Back to the 0004 layout (a posting index by note, no stored lists, no glossary
    version), then up again: 0007 rebuilds the index with the same ids, ranks and scores."""
    async with open_app(database_url) as app:
        before = await _ingest_and_downgrade(app, seeds_dir, "0004")
        async with app.engine.connect() as connection:
            indexes = await connection.run_sync(
                lambda c: {i["name"] for i in inspect(c).get_indexes("search_postings")}
            )
            assert "ix_search_postings_doc" in indexes
            assert "search_index_info" not in await connection.run_sync(
                lambda c: inspect(c).get_table_names()
            )
    async with open_app(database_url) as app:
        assert await _judged_results(app) == before
        async with app.engine.connect() as connection:
            version = await connection.scalar(text("SELECT value FROM search_index_info"))
        assert version == app.glossary.index_version


async def test_stored_posting_lists_become_fingerprints_without_changing_search(
    database_url: str, seeds_dir: Path
) -> None:
    """Down to `0007_index_storage` (each note's postings stored as a list), then up again:
    `ingest_0013_postings_fingerprint` turns the lists into fingerprints that later edits
    trust, and searches answer the same."""
    async with open_app(database_url) as app:
        before = await _ingest_and_downgrade(app, seeds_dir, "0007_index_storage")
        async with app.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("search_texts")}
            )
        assert "postings" in columns and "fingerprint" not in columns
    async with open_app(database_url) as app:
        assert await _judged_results(app) == before
        async with app.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT d.note_id, t.fingerprint FROM search_texts AS t "
                        "JOIN search_docs AS d ON d.doc = t.doc"
                    )
                )
            ).all()
        groups = GroupMatcher.build(app.glossary)
        notes = {n.key: n async for n in app.notes.iter_notes(include_retracted=False)}
        assert len(rows) == len(notes) == 41
        for key, fingerprint in rows:
            assert bytes(fingerprint) == postings_fingerprint(index_note(notes[key], groups).terms)
