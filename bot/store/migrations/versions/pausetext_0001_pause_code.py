"""Delivery: a pause keeps the platform's error code, not only its English reason.

Revision ID: pausetext_0001
Revises: forum_posted_in

`destination_state.pause_code`: the code (`not_in_channel`, `50013:post`) of the permanent
error that paused the destination, so `/paper channel show` and a person's DM notice say the
platform's advice again in the reader's language. Rows from before stay NULL and keep showing
their stored English reason.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pausetext_0001"
down_revision = "forum_posted_in"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (NULL for the rows there are)."""
    with op.batch_alter_table("destination_state") as batch:
        batch.add_column(sa.Column("pause_code", sa.Text, nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("destination_state") as batch:
        batch.drop_column("pause_code")
