"""Search index: documents, postings and vocabulary.

Revision ID: 0002
Revises: 0001

Notes stored before the index existed are indexed by `0007_index_storage`, which rebuilds the
whole index at the end of this branch (so no migration here imports search code).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.search_schema import TERM_TYPE

revision = "0002"
down_revision = "0001"
branch_labels = ("search",)
depends_on = None


def upgrade() -> None:
    """Create the index tables (filled by `0007_index_storage`)."""
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "search_docs",
        sa.Column("doc", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "note_id",
            sa.String(200),
            sa.ForeignKey("notes.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("retracted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_search_docs_day", "search_docs", ["day", "position"])
    op.create_table(
        "search_texts",
        sa.Column("doc", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("authors_text", sa.Text, nullable=False),
    )
    _create_postings(postgres)
    op.create_table(
        "search_terms",
        sa.Column("term", TERM_TYPE, primary_key=True),
        sa.Column("df", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )


def _create_postings(postgres: bool) -> None:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("term", TERM_TYPE, nullable=False),
        sa.Column("doc", sa.Integer, nullable=False),
        sa.Column("weight", sa.Integer, nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
    ]
    if postgres:
        # Weight rides in the primary key's leaf pages: a term's postings are one index-only scan.
        op.create_table("search_postings", *columns)
        op.execute(
            "ALTER TABLE search_postings ADD CONSTRAINT pk_search_postings "
            "PRIMARY KEY (term, doc) INCLUDE (weight, day)"
        )
    else:
        # WITHOUT ROWID: the table is its primary-key B-tree, clustered by term.
        op.create_table(
            "search_postings",
            *columns,
            sa.PrimaryKeyConstraint("term", "doc"),
            sqlite_with_rowid=False,
        )
    op.create_index("ix_search_postings_doc", "search_postings", ["doc"])


def downgrade() -> None:
    """Drop the index tables."""
    op.drop_table("search_terms")
    op.drop_table("search_postings")
    op.drop_table("search_texts")
    op.drop_table("search_docs")
