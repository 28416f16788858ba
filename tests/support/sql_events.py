"""What the engine sends to the database while a block runs: statements and commits, recorded
from SQLAlchemy's own events (nothing is faked)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["commits", "selects"]


@contextmanager
def _listening(engine: AsyncEngine, name: str, listener: Callable[..., None]) -> Iterator[None]:
    event.listen(engine.sync_engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, name, listener)


@contextmanager
def selects(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SELECT statement the engine executes inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    with _listening(engine, "before_cursor_execute", record):
        yield seen


@contextmanager
def commits(engine: AsyncEngine) -> Iterator[list[object]]:
    """One entry per transaction the engine commits inside the block."""
    seen: list[object] = []
    with _listening(engine, "commit", seen.append):
        yield seen
