"""Delivery: a run stores its whole snapshot (cap and empty-message too), so it rebuilds alike.

Revision ID: 0006_run_snapshot
Revises: 0003

`digest_runs` already holds the note keys, filter, overflow, locale and layout of each run; a
resume or a correction rebuilds the digest from them. The cap (`max_entries`) and whether an
empty run posts its "no new notes" line join them, so nothing of a run is read from the
destination's settings of the day. Runs stored before keep the defaults (no cap, no line).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_run_snapshot"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the snapshot columns."""
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("max_entries", sa.Integer, nullable=True))
        batch.add_column(
            sa.Column("empty_message", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("empty_message")
        batch.drop_column("max_entries")
