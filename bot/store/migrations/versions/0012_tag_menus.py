"""Tag menus: each menu message the bot sent (`/paper tags menu`) and the tag behind each number.

Revision ID: 0012_tag_menus
Revises: 0011_subscriptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision = "0012_tag_menus"
down_revision = "0011_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_menus",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("workspace", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint(
            "platform", "workspace", "channel", "message_id", name="uq_tag_menus_ref"
        ),
    )
    op.create_index("ix_tag_menus_created_at", "tag_menus", ["created_at"])
    op.create_table(
        "tag_menu_items",
        sa.Column(
            "menu_id",
            sa.Integer,
            sa.ForeignKey("tag_menus.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("tag", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tag_menu_items")
    op.drop_index("ix_tag_menus_created_at", "tag_menus")
    op.drop_table("tag_menus")
