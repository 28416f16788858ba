"""Search index: adjacent-word pair terms for exact phrases.

Revision ID: 0004
Revises: 0002

A Latin phrase (`"weight averaging"`) reads the postings of its word pairs (`>weight averag`)
instead of checking the text of every note holding all its words. No table changes: the pairs
are ordinary postings and vocabulary rows. Notes indexed before pairs existed get them from
`0007_index_storage`, which rebuilds the index; until then phrase queries check the text.
"""

from __future__ import annotations

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change in the tables (0007 rewrites every note's postings)."""


def downgrade() -> None:
    """Nothing to undo."""
