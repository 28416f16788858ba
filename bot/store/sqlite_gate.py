"""One SQLite write transaction at a time per process, in the order they asked.

SQLite lets one connection write at a time; the others poll (`busy_timeout`), sleeping up to
100 ms between tries. A writer that commits and begins again at once (the ingest's batches of
400 notes) wins against the pollers nearly every time: during a first ingest, a digest's
ledger write, a `/paper` subscribe or the start-up reconcile waited for the whole ingest, and
after 30 s failed with "database is locked". The gate queues this process's write
transactions on the event loop, first come first served, before SQLite sees them: the first
writing statement of a transaction waits for the gate, its commit, rollback or close gives it
back. Reads never wait for it (WAL readers don't block writers, nor writers readers).

Every statement, commit and close of an aiosqlite connection goes through its one queue
(`aiosqlite.Connection._execute`), which is where the gate sits; pyproject pins aiosqlite to
the versions that have it. A gate that is not given within the busy timeout is skipped with a
warning, so a transaction left open by a lost connection costs what it cost before (SQLite's
own wait), never a hang. Processes sharing one file still meet only in SQLite's polling.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

__all__ = ["GatedConnection", "WriteGate", "gate_for"]

log = logging.getLogger(__name__)

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_STATEMENTS = frozenset({"execute", "executemany", "executescript"})


class WriteGate:
    """A first-come-first-served lock for one database file, one per event loop."""

    def __init__(self, database: str, wait: float) -> None:
        self.database, self._wait = database, wait
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    async def acquire(self) -> asyncio.Lock | None:
        """Wait for this loop's turn; the lock to release, or None when the wait ran out."""
        lock = self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        try:
            async with asyncio.timeout(self._wait):
                await lock.acquire()
        except TimeoutError:
            log.warning(
                "a write to %s waited %.0f s for this process's previous write; going on "
                "without the queue (SQLite's own busy wait decides)",
                self.database,
                self._wait,
            )
            return None
        return lock


_gates: dict[tuple[str, float], WriteGate] = {}


def gate_for(database: str, wait: float) -> WriteGate:
    """The process's gate of one database file (every engine on the file shares it)."""
    key = (str(Path(database).resolve()), wait)
    if key not in _gates:
        _gates[key] = WriteGate(key[0], wait)
    return _gates[key]


class GatedConnection(aiosqlite.Connection):
    """An aiosqlite connection whose write transactions take their turn at a `WriteGate`."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], gate: WriteGate) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._gate = gate
        self._turn: asyncio.Lock | None = None
        self._waited = False  # the gate ran out once in this transaction: don't wait again

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._waited and self._turn is None and _writes(fn, args):
            self._turn = await self._gate.acquire()
            self._waited = self._turn is None
        result, error, still_open = await super()._execute(  # type: ignore[no-untyped-call]
            _run, self, fn, args, kwargs
        )
        if not still_open:
            self._give_back()
        if error is not None:
            raise error
        return result

    def stop(self) -> asyncio.Future[Any] | None:
        """Stopped without a close (aiosqlite's finaliser): the transaction ends with it."""
        self._give_back()
        return super().stop()

    def _give_back(self) -> None:
        turn, self._turn, self._waited = self._turn, None, False
        if turn is not None and turn.locked():
            turn.release()


def _writes(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    statement = args[0] if args else None
    return (
        getattr(fn, "__name__", "") in _STATEMENTS
        and isinstance(statement, str)
        and _WRITES.match(statement) is not None
    )


def _run(
    connection: GatedConnection, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: Any
) -> tuple[Any, BaseException | None, bool]:
    """In the connection's thread: the call's result or error, and whether a transaction is
    still open after it (read there: sqlite3 objects belong to their thread)."""
    try:
        result, error = fn(*args, **kwargs), None
    except Exception as exc:  # raised again on the loop, after the bookkeeping
        result, error = None, exc
    try:
        still_open = connection._connection is not None and connection._connection.in_transaction
    except sqlite3.Error:  # closed by this very call
        still_open = False
    return result, error, still_open
