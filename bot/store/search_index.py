"""Keeping the search index in step with the notes, inside the ingest's transaction.

Only added and changed notes are re-indexed, a file's notes in a handful of batched statements:
a changed note's postings are replaced, a retracted note's removed, and the vocabulary's document
frequencies move by the difference, so re-ingesting an unchanged corpus writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot.models import Note
from bot.search.group_terms import GroupMatcher
from bot.search.index_terms import IndexedNote, index_note
from bot.store.note_rows import note_from_row
from bot.store.schema import NoteRow
from bot.store.search_schema import (
    DOC_COUNT_TERM,
    SearchDocRow,
    SearchPostingRow,
    SearchTermRow,
    SearchTextRow,
)

__all__ = ["backfill_search_index", "rebuild_search_index", "update_search_index"]


def _doc_values(note: Note) -> dict[str, Any]:
    return {
        "note_id": note.key,
        "day": note.day,
        "position": note.position,
        "retracted": note.retracted,
    }


def _text_values(doc: int, indexed: IndexedNote) -> dict[str, Any]:
    return {"doc": doc, "text": indexed.text, "authors_text": indexed.authors_text}


def _postings(doc: int, note: Note, indexed: IndexedNote) -> list[tuple[str, int, int, int]]:
    day = note.day.toordinal()
    return [(term, doc, weight, day) for term, weight in sorted(indexed.terms.items())]


async def update_search_index(
    session: AsyncSession,
    notes: Sequence[Note],
    retracted: Sequence[str],
    groups: GroupMatcher | None = None,
) -> None:
    """Re-index `notes` (added or changed) and take `retracted` keys out of search.

    `groups` (from the glossary) adds each note's glossary-group terms.
    """
    connection = await session.connection()
    deltas: Counter[str] = Counter()
    if notes:
        await _index_notes(connection, notes, groups, deltas)
    if retracted:
        await connection.execute(
            update(SearchDocRow).where(SearchDocRow.note_id.in_(retracted)).values(retracted=True)
        )
        docs = list((await _doc_ids(connection, retracted)).values())
        await _drop_postings(connection, docs, deltas)
    await _apply_df(connection, deltas)


async def _doc_ids(connection: AsyncConnection, keys: Sequence[str]) -> dict[str, int]:
    rows = await connection.execute(
        select(SearchDocRow.note_id, SearchDocRow.doc).where(SearchDocRow.note_id.in_(keys))
    )
    return {str(key): int(doc) for key, doc in rows}


async def _index_notes(
    connection: AsyncConnection,
    notes: Sequence[Note],
    groups: GroupMatcher | None,
    deltas: Counter[str],
) -> None:
    known = await _doc_ids(connection, [n.key for n in notes])
    fresh = [n for n in notes if n.key not in known]
    if fresh:
        await connection.execute(insert(SearchDocRow), [_doc_values(n) for n in fresh])
        deltas[DOC_COUNT_TERM] += len(fresh)
    if known:
        sql = (
            "UPDATE search_docs SET day = :day, position = :position, retracted = :retracted "
            "WHERE note_id = :note_id"
        )
        await connection.execute(text(sql), [_doc_values(n) for n in notes if n.key in known])
        await connection.execute(delete(SearchTextRow).where(SearchTextRow.doc.in_(known.values())))
        await _drop_postings(connection, list(known.values()), deltas)
    docs = {**known, **(await _doc_ids(connection, [n.key for n in fresh]) if fresh else {})}
    indexed = [(docs[n.key], n, index_note(n, groups)) for n in notes]
    texts = [_text_values(doc, ix) for doc, _, ix in indexed]
    await connection.execute(insert(SearchTextRow), texts)
    rows = [row for doc, note, ix in indexed for row in _postings(doc, note, ix)]
    deltas.update(row[0] for row in rows)
    await _bulk_write(
        connection,
        "INSERT INTO search_postings (term, doc, weight, day)",
        rows,
        ("varchar", "int", "int", "int"),
    )


async def _drop_postings(
    connection: AsyncConnection, docs: Sequence[int], deltas: Counter[str]
) -> None:
    """Delete the docs' postings, counting the terms that lose a document."""
    if not docs:
        return
    gone = await connection.execute(
        select(SearchPostingRow.term).where(SearchPostingRow.doc.in_(docs))
    )
    deltas.subtract(str(term) for (term,) in gone)
    await connection.execute(delete(SearchPostingRow).where(SearchPostingRow.doc.in_(docs)))


async def _bulk_write(
    connection: AsyncConnection,
    statement: str,
    rows: list[tuple[Any, ...]],
    pg_types: tuple[str, ...],
    suffix: str = "",
) -> None:
    """`statement` for many rows at driver speed: one unnest() on PostgreSQL, executemany on
    SQLite. Indexing a file writes thousands of postings; per-row ORM overhead would dominate."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        arrays = tuple(list(column) for column in zip(*rows, strict=True))
        casts = ", ".join(f"${i}::{t}[]" for i, t in enumerate(pg_types, start=1))
        sql = f"{statement} SELECT * FROM unnest({casts}) {suffix}"
        await connection.exec_driver_sql(sql, arrays)
    else:
        marks = ", ".join("?" for _ in pg_types)
        await connection.exec_driver_sql(f"{statement} VALUES ({marks}) {suffix}", rows)


async def _apply_df(connection: AsyncConnection, deltas: Counter[str]) -> None:
    """Add the document-frequency changes; sorted, so concurrent ingests lock terms in order."""
    rows = [(term, delta) for term, delta in sorted(deltas.items()) if delta]
    await _bulk_write(
        connection,
        "INSERT INTO search_terms (term, df)",
        rows,
        ("varchar", "int"),
        "ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df",
    )


def backfill_search_index(
    connection: Connection, notes: Iterable[Note], groups: GroupMatcher | None = None
) -> None:
    """Index notes stored before the index existed (run by the migration that creates it)."""
    for note in notes:
        doc = connection.scalar(
            insert(SearchDocRow).values(_doc_values(note)).returning(SearchDocRow.doc)
        )
        assert doc is not None
        if note.retracted:
            continue
        indexed = index_note(note, groups)
        connection.execute(insert(SearchTextRow).values(_text_values(doc, indexed)))
        rows = [
            {"term": t, "doc": d, "weight": w, "day": day}
            for t, d, w, day in _postings(doc, note, indexed)
        ]
        if rows:
            connection.execute(insert(SearchPostingRow), rows)
    connection.execute(
        text(
            "INSERT INTO search_terms (term, df) "
            "SELECT term, COUNT(*) FROM search_postings GROUP BY term"
        )
    )
    count = connection.scalar(text("SELECT COUNT(*) FROM search_docs"))
    connection.execute(insert(SearchTermRow).values(term=DOC_COUNT_TERM, df=int(count or 0)))


async def rebuild_search_index(
    engine: AsyncEngine, groups: GroupMatcher | None, *, batch: int = 500
) -> int:
    """Re-index every live note, in one transaction; returns how many.

    Needed after the glossary or the tokenizer changes (until then, queries for an edited
    glossary group fall back to expanding its members). Notes keep their index ids, so ties
    still break the same way on every database.
    """
    async with AsyncSession(engine) as session, session.begin():
        connection = await session.connection()
        for table in ("search_postings", "search_texts", "search_terms"):
            await connection.execute(text(f"DELETE FROM {table}"))
        docs = await connection.scalar(text("SELECT COUNT(*) FROM search_docs"))
        await _apply_df(connection, Counter({DOC_COUNT_TERM: int(docs or 0)}))
        count, last = 0, ""
        while True:
            query = select(NoteRow).where(NoteRow.retracted.is_(False), NoteRow.id > last)
            rows = (await session.scalars(query.order_by(NoteRow.id).limit(batch))).all()
            if not rows:
                return count
            await update_search_index(session, [note_from_row(row) for row in rows], [], groups)
            count, last = count + len(rows), rows[-1].id
            session.expunge_all()
