"""The search index's generation: one counter that every write to the notes or the index moves.

Database triggers move it (migration `pgsearch_generation`), so whoever writes (this process's
ingest, `paperbot ingest` in another, a replica sharing PostgreSQL, a re-index) a reader can
tell with one primary-key read that results it cached are stale. Every index write touches
`search_texts` (a note's postings are listed there) and every note change touches `notes` or
`search_docs`; the triggers watch those three tables. On PostgreSQL the counter moves once per
transaction, at commit (a deferred trigger), so writers never wait on it while they work.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.schema import Base

__all__ = ["GENERATION_ROW", "WATCHED_TABLES", "SearchGenerationRow"]

GENERATION_ROW = 1
"""The counter's one row."""

WATCHED_TABLES = ("notes", "search_docs", "search_texts")
"""Tables whose every insert, update and delete moves the generation."""


class SearchGenerationRow(Base):
    """The counter (one row, `id` 1)."""

    __tablename__ = "search_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)
