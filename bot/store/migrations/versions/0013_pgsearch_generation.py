"""The search index's generation: a counter moved by triggers on every write to the notes or the
index, so cached search results can be checked with one read (`bot/store/search_generation.py`).

Revision ID: pgsearch_generation
Revises: ingest_0013_postings_fingerprint (which rebuilds `search_texts`: a table rebuilt after
its triggers were made would lose them, so the triggers come after it)

SQLite: row triggers (one cheap update per written row; SQLite has one writer at a time).
PostgreSQL: deferred constraint triggers that move the counter once per transaction, at commit,
so concurrent ingests hold its row lock only while they commit and never wait on it mid-way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.search_generation import GENERATION_ROW, WATCHED_TABLES

revision = "pgsearch_generation"
down_revision = "ingest_0013_postings_fingerprint"
branch_labels = None
depends_on = None

_BUMP = f"UPDATE search_generation SET value = value + 1 WHERE id = {GENERATION_ROW}"

_PG_FUNCTION = f"""
CREATE FUNCTION search_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('paperbot.search_generation_moved', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('paperbot.search_generation_moved', 'yes', true);
        {_BUMP};
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "search_generation",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute(f"INSERT INTO search_generation (id, value) VALUES ({GENERATION_ROW}, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in WATCHED_TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER search_generation_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION search_generation_bump()"
            )
        return
    for table in WATCHED_TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER search_generation_{table}_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED_TABLES:
            op.execute(f"DROP TRIGGER search_generation_{table} ON {table}")
        op.execute("DROP FUNCTION search_generation_bump()")
    else:
        for table in WATCHED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER search_generation_{table}_{event}")
    op.drop_table("search_generation")
