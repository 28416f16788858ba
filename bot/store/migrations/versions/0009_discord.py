"""Command hashes: the chat commands last registered per platform and scope (Discord sync).

Revision ID: 0009_discord
Revises: 0007_index_storage
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision = "0009_discord"
down_revision = "0007_index_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_hashes",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("scope", sa.String(100), primary_key=True),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("synced_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("command_hashes")
