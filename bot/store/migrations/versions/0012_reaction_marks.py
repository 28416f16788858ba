"""Reaction marks (what the reconcile pass compares with) and DM notices (who was told that
their DM digest could not be sent).

Revision ID: 0012_reaction_marks
Revises: 0011_subscriptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision = "0012_reaction_marks"
down_revision = "0011_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reaction_marks",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("workspace", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(100), primary_key=True),
        sa.Column("message_id", sa.String(100), primary_key=True),
        sa.Column("emoji", sa.String(100), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_reaction_marks_user", "reaction_marks", ["platform", "workspace", "user_id"]
    )
    op.create_table(
        "dm_notices",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("workspace", sa.String(100), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("told_at", UTCDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("dm_notices")
    op.drop_index("ix_reaction_marks_user", "reaction_marks")
    op.drop_table("reaction_marks")
