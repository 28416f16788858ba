"""Delivery: chat-set destinations, destination state, digest runs, the message ledger.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import JSONList, UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = ("delivery",)
depends_on = None

_KEY = 300


def _destinations() -> None:
    op.create_table(
        "destinations",
        sa.Column("key", sa.String(_KEY), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("filter_text", sa.Text, nullable=False),
        sa.Column("max_entries", sa.Integer, nullable=True),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("backfill", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("empty_message", sa.Boolean, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "destination_state",
        sa.Column("key", sa.String(_KEY), primary_key=True),
        sa.Column("start_day", sa.Date, nullable=True),
        sa.Column("started", sa.Boolean, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("pause_reason", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def _runs() -> None:
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("destination_key", sa.String(_KEY), nullable=False),
        sa.Column("digest_key", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("note_keys", JSONList, nullable=True),
        sa.Column("filter_text", sa.Text, nullable=False),
        sa.Column("overflow", sa.Integer, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("destination_key", "digest_key", name="uq_digest_runs_slot"),
    )
    op.create_index("ix_digest_runs_status", "digest_runs", ["status"])
    op.create_index("ix_digest_runs_created", "digest_runs", ["created_at"])


def _deliveries() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("digest_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("destination_key", sa.String(_KEY), nullable=False),
        sa.Column("digest_key", sa.String(100), nullable=False),
        sa.Column("part_no", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.Column("edited_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("destination_key", "digest_key", "part_no", name="uq_deliveries_part"),
    )
    op.create_index(
        "ix_deliveries_message", "deliveries", ["platform", "workspace", "channel", "message_id"]
    )
    op.create_index("ix_deliveries_run", "deliveries", ["run_id"])
    op.create_table(
        "assigned_notes",
        sa.Column("destination_key", sa.String(_KEY), primary_key=True),
        sa.Column("note_key", sa.String(200), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("digest_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_assigned_notes_note", "assigned_notes", ["note_key"])


def upgrade() -> None:
    """Create the delivery tables."""
    _destinations()
    _runs()
    _deliveries()


def downgrade() -> None:
    """Drop what upgrade created."""
    for table in (
        "assigned_notes",
        "deliveries",
        "digest_runs",
        "destination_state",
        "destinations",
    ):
        op.drop_table(table)
