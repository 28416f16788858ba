"""Tables of the search index, kept up to date by ingest in the same transaction as the notes.

`search_docs` gives each note a small integer id (a narrow table: every query joins it);
`search_texts` holds what phrase and multi-word author filters read, and a fingerprint of each
live note's postings (re-indexing a note recomputes its old postings from the stored note and
checks them against it, so it deletes exactly its postings by primary key without a second
index over every posting or a copy of them); `search_postings` holds one row per (term, note)
with an integer weight; `search_terms` is the vocabulary with document frequencies, for prefix
expansion and idf (its row for the empty term counts the notes); `search_index_info` records
what built the index (the glossary version). Terms sort by code point on both databases
(PostgreSQL column collation "C"), so prefix ranges and ties agree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.schema import Base

__all__ = [
    "DOC_COUNT_TERM",
    "GLOSSARY_VERSION",
    "TERM_TYPE",
    "SearchDocRow",
    "SearchIndexInfoRow",
    "SearchPostingRow",
    "SearchTermRow",
    "SearchTextRow",
]

DOC_COUNT_TERM = ""
"""The vocabulary row whose `df` is the number of indexed notes (no real term is empty)."""

GLOSSARY_VERSION = "glossary_version"
"""The `search_index_info` row holding `Glossary.index_version` of the glossary that built it."""

TERM_TYPE = String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")


class SearchDocRow(Base):
    """A note as the search index knows it."""

    __tablename__ = "search_docs"

    doc: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    note_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("notes.id", ondelete="CASCADE"), unique=True
    )
    day: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)
    retracted: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (Index("ix_search_docs_day", "day", "position"),)


class SearchTextRow(Base):
    """A live note's folded words (for exact phrases), author names (for `author:"a b"`), and
    an 8-byte hash of its postings (`postings_fingerprint`), read only when it is re-indexed or
    retracted. Retracted notes have no row."""

    __tablename__ = "search_texts"

    doc: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    authors_text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)


class SearchPostingRow(Base):
    """One term of one note, with the note's integer weight for it and the note's day (as a
    date ordinal), so ranking, date filters and tie-breaks never have to visit `search_docs`.
    Retracted notes have no postings."""

    __tablename__ = "search_postings"

    term: Mapped[str] = mapped_column(TERM_TYPE, primary_key=True)
    doc: Mapped[int] = mapped_column(Integer, primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SearchTermRow(Base):
    """The vocabulary: how many notes hold each term."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(TERM_TYPE, primary_key=True)
    df: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SearchIndexInfoRow(Base):
    """Facts about how the index was built, by name (`glossary_version`)."""

    __tablename__ = "search_index_info"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
