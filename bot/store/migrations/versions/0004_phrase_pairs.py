"""Search index: adjacent-word pair terms for exact phrases, backfilled for stored notes.

Revision ID: 0004
Revises: 0002

A Latin phrase (`"weight averaging"`) now reads the postings of its word pairs
(`>weight averag`) instead of checking the text of every note holding all its words. No table
changes: the pairs are ordinary postings and vocabulary rows, added here for notes indexed
before; until then such queries fall back to checking the text, so results stay correct.
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

from bot.models import Note, NoteSource
from bot.search.index_terms import PAIR_PREFIX, index_note
from bot.store.types import JSONList

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 1000


def _notes() -> sa.TableClause:
    return sa.table(
        "notes",
        sa.column("id", sa.String),
        sa.column("day", sa.Date),
        sa.column("title", sa.Text),
        sa.column("authors", JSONList),
        sa.column("abstract", sa.Text),
        sa.column("commentary", sa.Text),
        sa.column("tags", JSONList),
        sa.column("position", sa.Integer),
    )


def _drop_pairs() -> None:
    """Remove every pair term (a key range: the mark sorts before `?`)."""
    for table in ("search_postings", "search_terms"):
        op.execute(
            sa.text(f"DELETE FROM {table} WHERE term >= :low AND term < :high").bindparams(
                low=PAIR_PREFIX, high=chr(ord(PAIR_PREFIX) + 1)
            )
        )


def upgrade() -> None:
    """(Re)write the pair postings of every live indexed note, and their document frequencies.

    A database created at this code version already got pairs from 0002's backfill; they are
    replaced, not duplicated.
    """
    _drop_pairs()
    bind = op.get_bind()
    notes = _notes()
    docs = sa.table(
        "search_docs",
        sa.column("doc", sa.Integer),
        sa.column("note_id", sa.String),
        sa.column("retracted", sa.Boolean),
    )
    query = (
        sa.select(notes, docs.c.doc)
        .join(docs, docs.c.note_id == notes.c.id)
        .where(docs.c.retracted.is_(False))
    )
    postings = sa.table(
        "search_postings",
        sa.column("term", sa.String),
        sa.column("doc", sa.Integer),
        sa.column("weight", sa.Integer),
        sa.column("day", sa.Integer),
    )
    df: Counter[str] = Counter()
    rows: list[dict[str, object]] = []
    for row in bind.execute(query):
        note = Note(
            key=row.id,
            day=row.day,
            title=row.title,
            authors=tuple(row.authors),
            abstract=row.abstract,
            commentary=row.commentary,
            tags=tuple(row.tags),
            source=NoteSource("", 0),
            position=row.position,
        )
        day = note.day.toordinal()
        for term, weight in sorted(index_note(note).terms.items()):
            if term.startswith(PAIR_PREFIX):
                rows.append({"term": term, "doc": row.doc, "weight": weight, "day": day})
                df[term] += 1
        if len(rows) >= _BATCH:
            bind.execute(sa.insert(postings), rows)
            rows = []
    if rows:
        bind.execute(sa.insert(postings), rows)
    terms = sa.table("search_terms", sa.column("term", sa.String), sa.column("df", sa.Integer))
    values = [{"term": t, "df": n} for t, n in sorted(df.items())]
    for start in range(0, len(values), _BATCH):
        bind.execute(sa.insert(terms), values[start : start + _BATCH])


def downgrade() -> None:
    """Remove the pair terms; phrases go back to checking the text."""
    _drop_pairs()
