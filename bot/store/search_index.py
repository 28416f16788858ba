"""Keeping the search index in step with the notes, inside the ingest's transaction.

Only added and changed notes are re-indexed: their postings are diffed against what is stored,
and the vocabulary's document frequencies move by the difference, so a re-ingest of an
unchanged corpus writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Note
from bot.search.index_terms import IndexedNote, index_note
from bot.store.search_schema import SearchDocRow, SearchPostingRow, SearchTermRow

__all__ = ["backfill_search_index", "update_search_index"]


def _doc_values(note: Note, indexed: IndexedNote) -> dict[str, Any]:
    return {
        "note_id": note.key,
        "day": note.day,
        "position": note.position,
        "retracted": note.retracted,
        "text": indexed.text,
        "authors_text": indexed.authors_text,
    }


async def update_search_index(
    session: AsyncSession, notes: Sequence[Note], retracted: Sequence[str]
) -> None:
    """Re-index `notes` (added or changed) and mark `retracted` keys as out of search."""
    deltas: Counter[str] = Counter()
    for note in notes:
        await _index_one(session, note, deltas)
    if retracted:
        await session.execute(
            update(SearchDocRow).where(SearchDocRow.note_id.in_(retracted)).values(retracted=True)
        )
    await _apply_df(session, deltas)


async def _index_one(session: AsyncSession, note: Note, deltas: Counter[str]) -> None:
    indexed = index_note(note)
    values = _doc_values(note, indexed)
    doc = await session.scalar(select(SearchDocRow.doc).where(SearchDocRow.note_id == note.key))
    old: dict[str, int] = {}
    if doc is None:
        doc = await session.scalar(insert(SearchDocRow).values(values).returning(SearchDocRow.doc))
    else:
        await session.execute(update(SearchDocRow).where(SearchDocRow.doc == doc).values(values))
        rows = await session.execute(
            select(SearchPostingRow.term, SearchPostingRow.weight).where(
                SearchPostingRow.doc == doc
            )
        )
        old = {str(row[0]): int(row[1]) for row in rows}
    assert doc is not None
    await _write_postings(session, doc, old, indexed.terms, deltas)


async def _write_postings(
    session: AsyncSession, doc: int, old: dict[str, int], new: dict[str, int], deltas: Counter[str]
) -> None:
    gone = sorted(old.keys() - new.keys())
    fresh = [t for t in sorted(new) if t not in old]
    added = [{"term": t, "doc": doc, "weight": new[t]} for t in fresh]
    changed = [
        {"t": t, "d": doc, "w": w} for t, w in sorted(new.items()) if t in old and old[t] != w
    ]
    if gone:
        await session.execute(
            delete(SearchPostingRow).where(
                SearchPostingRow.doc == doc, SearchPostingRow.term.in_(gone)
            )
        )
    if added:
        await session.execute(insert(SearchPostingRow), added)
    if changed:
        await session.execute(
            text("UPDATE search_postings SET weight = :w WHERE term = :t AND doc = :d"), changed
        )
    deltas.update(fresh)
    deltas.subtract({term: 1 for term in gone})


async def _apply_df(session: AsyncSession, deltas: Counter[str]) -> None:
    """Add the document-frequency changes; sorted, so concurrent ingests lock terms in order."""
    rows = [{"term": term, "df": delta} for term, delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SearchTermRow)
    upsert = statement.on_conflict_do_update(
        index_elements=[SearchTermRow.term], set_={"df": SearchTermRow.df + statement.excluded.df}
    )
    await session.execute(upsert, rows)


def backfill_search_index(connection: Connection, notes: Iterable[Note]) -> None:
    """Index notes stored before the index existed (run by the migration that creates it)."""
    for note in notes:
        indexed = index_note(note)
        doc = connection.scalar(
            insert(SearchDocRow).values(_doc_values(note, indexed)).returning(SearchDocRow.doc)
        )
        rows = [{"term": t, "doc": doc, "weight": w} for t, w in sorted(indexed.terms.items())]
        if rows:
            connection.execute(insert(SearchPostingRow), rows)
    connection.execute(
        text(
            "INSERT INTO search_terms (term, df) "
            "SELECT term, COUNT(*) FROM search_postings GROUP BY term"
        )
    )
