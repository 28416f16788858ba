"""Notes, their tags, and the ingested-files record.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import JSONList, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create notes, note_tags and ingested_files."""
    op.create_table(
        "notes",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("authors", JSONList, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("commentary", sa.Text, nullable=False),
        sa.Column("links", JSONList, nullable=False),
        sa.Column("tags", JSONList, nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False),
        sa.Column("source_line", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("retracted", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("retracted_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_notes_day", "notes", ["day"])
    op.create_index("ix_notes_source_file", "notes", ["source_file"])
    op.create_index("ix_notes_day_position", "notes", ["day", "position"])
    op.create_table(
        "note_tags",
        sa.Column(
            "note_id",
            sa.String(200),
            sa.ForeignKey("notes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(200), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_note_tags_tag", "note_tags", ["tag"])
    op.create_table(
        "ingested_files",
        sa.Column("source_file", sa.String(500), primary_key=True),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("parser_version", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("note_count", sa.Integer, nullable=False),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_table("ingested_files")
    op.drop_table("note_tags")
    op.drop_table("notes")
