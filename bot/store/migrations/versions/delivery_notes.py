"""Delivery: each message keeps the notes it holds, and a DM run what matched each of its notes.

Revision ID: delivery_notes
Revises: 0006_run_snapshot

`deliveries.note_keys`: the keys of the notes whose entry a sent message holds, as the renderer
reported them (`Payload.notes`), so a run that fails part way keeps exactly the notes its sent
messages hold in full. Rows from before stay NULL: for those the renderer is asked again.

`digest_runs.matched`: a DM run's [note key, the subscriptions that matched it] pairs, so its
resumes and corrections keep each paper's "matched" line (channel runs: []). Existing DM runs
that matched one subscription get it for every note (their `filter_text` is that subscription);
those that matched several stay NULL (which brought which note was not stored): their resumes
work it out again from the person's subscriptions, their corrections show no "matched" line.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.types import JSONList

revision = "delivery_notes"
down_revision = "0006_run_snapshot"
branch_labels = None
depends_on = None

SEPARATOR = " · "  # how a DM run's filter_text joins the subscriptions it matched


def upgrade() -> None:
    """Add both columns; fill `matched` where the stored run tells it."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("note_keys", JSONList, nullable=True))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("matched", JSONList, nullable=True))
    runs = sa.table(
        "digest_runs",
        sa.column("id", sa.Integer),
        sa.column("digest_key", sa.String),
        sa.column("note_keys", JSONList),
        sa.column("filter_text", sa.Text),
        sa.column("matched", JSONList),
    )
    bind = op.get_bind()
    bind.execute(sa.update(runs).where(~runs.c.digest_key.startswith("dm:")).values(matched=[]))
    found = bind.execute(
        sa.select(runs.c.id, runs.c.note_keys, runs.c.filter_text).where(
            runs.c.digest_key.startswith("dm:"), runs.c.note_keys.is_not(None)
        )
    )
    for run_id, keys, text in list(found):
        if text and SEPARATOR not in text:
            pairs = [[key, text] for key in keys]
            bind.execute(sa.update(runs).where(runs.c.id == run_id).values(matched=pairs))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("matched")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("note_keys")
