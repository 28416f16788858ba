"""Delivery: each sent message keeps the channel the platform posted it in.

Revision ID: forum_posted_in
Revises: delivery_notes

`deliveries.posted_in`: the channel of the transport's reference, where it differs from
`channel` (where the digest was sent, and where reaction events and the ledger name the
message). On Discord that is the thread a message went into: a thread reply's thread, or, for
an inline digest in a forum channel, the post it went into (the post made last there, which
nothing else stored tells). The reconcile pass reads a message's reactions there. Rows from
before stay NULL: a thread reply is still read in its header's thread, an inline message in a
forum is not readable (as before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "forum_posted_in"
down_revision = "delivery_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (NULL for the rows there are)."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("posted_in", sa.String(100), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("posted_in")
