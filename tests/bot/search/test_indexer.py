"""The search index writer: what ingest leaves in the index tables, on both databases."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.app import App
from bot.ingest import importer
from bot.ingest.importer import ingest_paths
from bot.models import Note
from bot.search import indexer
from bot.search.glossary import load_glossary
from bot.search.group_terms import GroupMatcher
from bot.search.index_terms import index_note
from bot.search.indexer import postings_fingerprint, rebuild_search_index
from bot.store.notes import SqlNoteStore
from tests.support.clock import FixedClock
from tests.support.search import REPO_ROOT
from tests.support.sql_events import selects

Snapshot = tuple[set[tuple[str, str, int, int]], dict[str, int], dict[str, bytes]]


async def _snapshot(engine: AsyncEngine) -> Snapshot:
    """Postings by note key, the vocabulary (df > 0) and each live note's stored fingerprint."""
    async with engine.connect() as connection:
        postings = await connection.execute(
            text(
                "SELECT d.note_id, p.term, p.weight, p.day FROM search_postings AS p "
                "JOIN search_docs AS d ON d.doc = p.doc"
            )
        )
        terms = await connection.execute(text("SELECT term, df FROM search_terms WHERE df <> 0"))
        lists = await connection.execute(
            text(
                "SELECT d.note_id, t.fingerprint FROM search_texts AS t "
                "JOIN search_docs AS d ON d.doc = t.doc"
            )
        )
        return (
            {(str(k), str(t), int(w), int(d)) for k, t, w, d in postings},
            {str(t): int(df) for t, df in terms},
            {str(k): bytes(b) for k, b in lists},
        )


def _expected(notes: Sequence[Note], total: int) -> Snapshot:
    groups = GroupMatcher.build(load_glossary())
    postings, df, lists = set(), Counter({"": total}), {}
    for note in notes:
        terms = index_note(note, groups).terms
        lists[note.key] = postings_fingerprint(terms)
        day = note.day.toordinal()
        postings |= {(note.key, t, w, day) for t, w in terms.items()}
        df.update(terms.keys())
    return postings, dict(df), lists


SEED = "000_f01c3e8285b5c72d.txt"


def _copy_seed(seeds_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / SEED).write_bytes((seeds_dir / SEED).read_bytes())
    return folder


def _edit(folder: Path) -> None:
    """Reword the file's first note (its title stays) and drop its second note (lines 11-16)."""
    path = folder / SEED
    lines = path.read_text("utf-8").split("\n")
    lines[3] = lines[3].replace("model", "conveyor belt") + " Extra words, extra pairs."
    path.write_text("\n".join(lines[:10] + lines[16:]), "utf-8")


def _small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Transactions of one file; in them, notes prepared and previous versions tokenised 2 at
    a time, rows built 3 notes at a time and sorted in 5 term ranges: every boundary falls
    inside the seed corpus (41 notes), which the usual sizes (400, 10, 50, 16) leave in one
    batch and one slice of rows."""
    monkeypatch.setattr(importer, "BATCH_NOTES", 1)
    monkeypatch.setattr(indexer, "_ROW_SLICE", 3)
    monkeypatch.setattr(indexer, "_TERM_PARTS", 5)
    monkeypatch.setattr(indexer, "_PREPARE_SLICE", 2)


@pytest.mark.parametrize("steps", ["usual", "small"])
async def test_ingest_leaves_exactly_the_postings_of_the_live_notes(
    app: App, seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: str
) -> None:
    """After a first ingest, an edit and a retraction, the index holds each live note's terms
    (with weights, days and document frequencies) and nothing of the retracted one; the same
    rows as a rebuild from scratch. The same with small steps: postings built a slice of notes
    at a time and sorted a term range at a time, over several transactions."""
    if steps == "small":
        _small_steps(monkeypatch)
    folder = _copy_seed(seeds_dir, tmp_path)
    for path in seeds_dir.glob("*.txt"):
        (folder / path.name).write_bytes(path.read_bytes())
    first = await ingest_paths([folder], app.notes, app.clock)
    assert first.total("added") == 41
    _edit(folder)
    report = await ingest_paths([folder], app.notes, app.clock)
    assert (report.total("updated"), report.total("retracted")) == (1, 1)
    live = [n async for n in app.notes.iter_notes(include_retracted=False)]
    total = await app.notes.count(include_retracted=True)
    incremental = await _snapshot(app.engine)
    assert incremental == _expected(live, total)
    await rebuild_search_index(app.engine, app.glossary)
    assert await _snapshot(app.engine) == incremental


async def test_an_edit_recomputes_the_old_postings_instead_of_reading_them(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    """An ordinary edit and retraction trust the fingerprint: no statement reads the postings
    by note (a scan of the whole table, without an index by note)."""
    folder = _copy_seed(seeds_dir, tmp_path)
    await ingest_paths([folder], app.notes, app.clock)
    _edit(folder)
    with selects(app.engine) as statements:
        report = await ingest_paths([folder], app.notes, app.clock)
    assert (report.total("updated"), report.total("retracted")) == (1, 1)
    assert not [s for s in statements if "search_postings" in s]


async def test_a_note_changed_behind_the_index_is_still_reindexed_exactly(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    """Old postings are recomputed from the stored note only when they match the fingerprint:
    a note whose row changed without the index following (as with an index another glossary
    or tokenizer built) has its old postings read from the index, and none is left behind."""
    folder = _copy_seed(seeds_dir, tmp_path)
    await ingest_paths([folder], app.notes, app.clock)
    first, *_ = [n async for n in app.notes.iter_notes()]
    async with app.engine.begin() as connection:
        await connection.execute(
            text("UPDATE notes SET title = 'Walrus narwhal' WHERE id = :id"), {"id": first.key}
        )
    _edit(folder)
    report = await ingest_paths([folder], app.notes, app.clock)
    assert (report.total("updated"), report.total("retracted")) == (1, 1)
    live = [n async for n in app.notes.iter_notes(include_retracted=False)]
    total = await app.notes.count(include_retracted=True)
    assert await _snapshot(app.engine) == _expected(live, total)


async def test_new_postings_are_written_in_term_order_range_after_range(
    app: App, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The term ranges are written in order, each sorted: the batch's rows reach the
    database sorted by term, each term's notes in index-id order, the order one sort of them
    all gave before the sort was cut into ranges."""
    monkeypatch.setattr(indexer, "_ROW_SLICE", 3)
    monkeypatch.setattr(indexer, "_TERM_PARTS", 5)
    written: list[list[tuple[str, int]]] = []

    def record(*args: object) -> None:
        statement, parameters = str(args[2]), args[3]
        if not statement.startswith("INSERT INTO search_postings"):
            return
        if isinstance(parameters, tuple):  # PostgreSQL: one array per column
            rows = list(zip(*parameters, strict=True))
        else:
            rows = list(parameters)  # type: ignore[call-overload]
        written.append([(str(row[0]), int(row[1])) for row in rows])

    event.listen(app.engine.sync_engine, "before_cursor_execute", record)
    try:
        report = await ingest_paths([seeds_dir], app.notes, app.clock)
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", record)
    assert report.total("added") == 41
    assert len(written) > 1  # several ranges, one statement each
    rows = [row for statement in written for row in statement]
    assert rows == sorted(rows)
    async with app.engine.connect() as connection:
        stored = await connection.scalar(text("SELECT COUNT(*) FROM search_postings"))
    assert len(rows) == stored


@dataclass
class RecordingIndexer:
    """A `NoteIndexer` at the protocol edge: records what the store hands it."""

    calls: list[tuple[list[str], list[str]]] = field(default_factory=list)

    async def prepare(self, notes: Sequence[Note]) -> object:
        return None

    async def update(
        self,
        session: AsyncSession,
        notes: Sequence[Note],
        retracted: Sequence[str],
        previous: Mapping[str, Note] | None = None,
        prepared: object = None,
    ) -> None:
        self.calls.append(([n.key for n in notes], list(retracted)))


async def test_store_hands_added_changed_and_retracted_notes_to_its_indexer(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    indexer = RecordingIndexer()
    store = SqlNoteStore(app.engine, indexer=indexer)
    assert not hasattr(store, "glossary")
    folder = _copy_seed(seeds_dir, tmp_path)
    first = await ingest_paths([folder], store, FixedClock())
    added = first.files[0].changes.added
    _edit(folder)
    second = await ingest_paths([folder], store, FixedClock())
    changes = second.files[0].changes
    assert indexer.calls == [(added, []), (changes.updated, changes.retracted)]
    assert changes.updated and changes.retracted


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_store_imports_nothing_from_search() -> None:
    """The store knows tables and rows; search sits above it (migrations are scripts Alembic
    loads by path, outside the layers)."""
    store = REPO_ROOT / "bot" / "store"
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(
            m for m in _imports(path) if m == "bot.search" or m.startswith("bot.search.")
        )
        for path in store.rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}
