"""Subscriptions: who follows which filter, each subscription's origins, each person's DM plan.

Revision ID: 0011_subscriptions
Revises: 0007_index_storage
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision = "0011_subscriptions"
down_revision = "0007_index_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace", sa.String(100), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("filter_text", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint(
            "platform", "workspace", "user_id", "filter_text", name="uq_subscriptions_filter"
        ),
    )
    op.create_table(
        "subscription_origins",
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("origin", sa.String(300), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_subscription_origins_origin", "subscription_origins", ["origin"])
    op.create_table(
        "subscribers",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("workspace", sa.String(100), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("cadence", sa.String(16), nullable=False),
        sa.Column("at_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subscribers")
    op.drop_index("ix_subscription_origins_origin", "subscription_origins")
    op.drop_table("subscription_origins")
    op.drop_table("subscriptions")
