"""Search texts keep a fingerprint of each note's postings instead of a compressed copy of them.

Revision ID: ingest_0013_postings_fingerprint
Revises: 0007_index_storage

`search_texts.postings` (a zlib list of every `term weight` of the note, more bytes per note
than its folded text) served only re-indexing and retraction. They now recompute a note's old
postings from the note as stored and trust them when their 8-byte fingerprint matches
`search_texts.fingerprint`. Existing lists are converted exactly (each fingerprint is the hash
of the stored list itself, so nothing is re-tokenized); an index never built (a database coming
from before `0007_index_storage`, which no longer rebuilds it itself) is rebuilt here.
Downgrading writes the lists back from `search_postings`.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.search.glossary import load_glossary
from bot.search.indexer import rebuild_index

revision = "ingest_0013_postings_fingerprint"
down_revision = "0007_index_storage"
branch_labels = None
depends_on = None

_BATCH = 1000


def _lines(terms: dict[str, int]) -> str:
    return "\n".join(f"{term} {weight}" for term, weight in sorted(terms.items()))


def _decode(blob: bytes) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in zlib.decompress(blob).decode("utf-8").split("\n"):
        if line:
            term, weight = line.rsplit(" ", 1)
            found[term] = int(weight)
    return found


def _fingerprint(terms: dict[str, int]) -> bytes:
    """`bot.search.indexer.postings_fingerprint` as of this revision (kept here: a later
    change of the code must not change what this migration writes)."""
    keys = sorted(terms)
    data = "\n".join(keys) + "\n\n" + ",".join([str(terms[key]) for key in keys])
    return hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest()


def _new_texts(name: str, last: sa.Column[bytes]) -> sa.Table:
    return op.create_table(
        name,
        sa.Column("doc", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("authors_text", sa.Text, nullable=False),
        last,
    )


def _texts_by_doc(columns: str) -> Iterator[list[Any]]:
    """`search_texts` rows (`doc` first), a batch at a time in doc order."""
    connection = op.get_bind()
    last = -1
    while True:
        rows = connection.execute(
            sa.text(
                f"SELECT doc, {columns} FROM search_texts WHERE doc > :last "
                f"ORDER BY doc LIMIT {_BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        yield list(rows)
        last = int(rows[-1][0])


def upgrade() -> None:
    """Swap the lists for fingerprints (in a new table, renamed), or rebuild a new index."""
    connection = op.get_bind()
    table = _new_texts("search_texts_new", sa.Column("fingerprint", sa.LargeBinary, nullable=False))
    for rows in _texts_by_doc("text, authors_text, postings"):
        connection.execute(
            table.insert(),
            [
                {
                    "doc": row[0],
                    "text": row[1],
                    "authors_text": row[2],
                    "fingerprint": _fingerprint(_decode(bytes(row[3]))),
                }
                for row in rows
            ],
        )
    op.drop_table("search_texts")
    op.rename_table("search_texts_new", "search_texts")
    if not connection.scalar(sa.text("SELECT COUNT(*) FROM search_index_info")):
        rebuild_index(connection, load_glossary())


def downgrade() -> None:
    """Back to the lists, written from each live note's postings."""
    connection = op.get_bind()
    table = _new_texts("search_texts_old", sa.Column("postings", sa.LargeBinary, nullable=False))
    for rows in _texts_by_doc("text, authors_text"):
        docs = [int(row[0]) for row in rows]
        postings = connection.execute(
            sa.text(
                "SELECT doc, term, weight FROM search_postings WHERE doc >= :low AND doc <= :high "
                "ORDER BY doc"
            ),
            {"low": docs[0], "high": docs[-1]},
        ).all()
        lists = {
            doc: {str(term): int(weight) for _, term, weight in group}
            for doc, group in groupby(postings, key=lambda p: int(p[0]))
        }
        connection.execute(
            table.insert(),
            [
                {
                    "doc": row[0],
                    "text": row[1],
                    "authors_text": row[2],
                    "postings": zlib.compress(_lines(lists.get(int(row[0]), {})).encode("utf-8")),
                }
                for row in rows
            ],
        )
    op.drop_table("search_texts")
    op.rename_table("search_texts_old", "search_texts")
