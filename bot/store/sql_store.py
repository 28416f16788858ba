"""The base of a store whose every call is one short transaction and whose writes may repeat:
the session factory, and the engine's `INSERT … ON CONFLICT DO NOTHING` (`insert_for`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.store.inserts import insert_for

__all__ = ["SqlStore"]


class SqlStore:
    """One short transaction per call (`self._sessions()`); `self._insert(table)` has
    `on_conflict_do_nothing()` on both engines."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._dialect = engine.dialect.name

    def _insert(self, table: Any) -> Any:
        return insert_for(self._dialect, table)
