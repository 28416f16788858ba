"""What the engine sends to the database while a block runs: statements and commits, recorded
from SQLAlchemy's own events (nothing is faked)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["commits", "selects", "statements"]


@contextmanager
def _listening(engine: AsyncEngine, name: str, listener: Callable[..., None]) -> Iterator[None]:
    event.listen(engine.sync_engine, name, listener)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, name, listener)


def _recording(seen: list[str], keep: Callable[[str], bool]) -> Callable[..., None]:
    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if keep(statement):
            seen.append(statement)

    return record


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement the engine executes inside the block."""
    seen: list[str] = []
    with _listening(engine, "before_cursor_execute", _recording(seen, lambda _s: True)):
        yield seen


@contextmanager
def selects(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SELECT statement the engine executes inside the block."""
    seen: list[str] = []
    select = _recording(seen, lambda s: s.lstrip().upper().startswith("SELECT"))
    with _listening(engine, "before_cursor_execute", select):
        yield seen


@contextmanager
def commits(engine: AsyncEngine) -> Iterator[list[object]]:
    """One entry per transaction the engine commits inside the block."""
    seen: list[object] = []
    with _listening(engine, "commit", seen.append):
        yield seen
