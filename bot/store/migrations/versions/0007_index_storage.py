"""Search index storage: each note's postings listed beside its text, no posting index by note,
the glossary version recorded; the index rebuilt from the stored notes (by the next revision,
`ingest_0013_postings_fingerprint`, since the lists became fingerprints).

Revision ID: 0007_index_storage
Revises: 0004

`ix_search_postings_doc` (an index over every posting, about 40% of the index's size) served
only re-indexing and retraction; they now delete a note's postings by primary key from the list
kept in `search_texts.postings`. The rebuild keeps every note's index id, so rankings and ties
are unchanged; it uses the glossary every command uses (`$PAPERBOT_GLOSSARY`, else the shipped
one) and records its version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_index_storage"
down_revision = "0004"
branch_labels = None
depends_on = None


def _texts(*extra: sa.Column[bytes]) -> None:
    op.create_table(
        "search_texts",
        sa.Column("doc", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("authors_text", sa.Text, nullable=False),
        *extra,
    )


def upgrade() -> None:
    """Reshape the tables (`ingest_0013_postings_fingerprint` then rebuilds the index)."""
    op.drop_index("ix_search_postings_doc", table_name="search_postings")
    op.drop_table("search_texts")
    _texts(sa.Column("postings", sa.LargeBinary, nullable=False))
    op.create_table(
        "search_index_info",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    # The rebuild is `ingest_0013_postings_fingerprint`'s, in the same upgrade: the code that
    # rebuilds writes that revision's layout of `search_texts`.


def downgrade() -> None:
    """Back to the 0004 layout; postings and vocabulary are kept as they are."""
    op.drop_table("search_index_info")
    op.execute("CREATE TABLE search_texts_old AS SELECT doc, text, authors_text FROM search_texts")
    op.drop_table("search_texts")
    _texts()
    op.execute("INSERT INTO search_texts SELECT doc, text, authors_text FROM search_texts_old")
    op.drop_table("search_texts_old")
    op.create_index("ix_search_postings_doc", "search_postings", ["doc"])
