"""`INSERT … ON CONFLICT DO NOTHING` on both engines: the idempotent write of every store whose
rows a repeated event may write again."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["insert_for"]


def insert_for(dialect: str, table: Any) -> Any:
    """The dialect's `insert(table)`, which has `on_conflict_do_nothing()` on both engines."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)
