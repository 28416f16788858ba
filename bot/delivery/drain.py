"""The drain: how a stopping process hands its in-flight digest runs back instead of cutting them.

On SIGTERM the process closes the drain. From then on no send starts: a run waiting for its turn
(the pacer, a retry's backoff) stops waiting, and a run between two parts stops before the next
one. The send in progress (the platform call and its ledger record) is let finish, so the ledger
never holds a message that went out unrecorded. A stopped run is handed back: its lease is ended
at once, so the next leader (another replica now, or this one after a restart) resumes it from its
snapshot without waiting for the lease to run out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from bot.store.deliveries import LeaseLostError, RunClaim

__all__ = ["Drain", "HandedBackError"]


class HandedBackError(LeaseLostError):
    """The process is stopping: this claim sends nothing more and its run was handed back."""

    def __init__(self, run: RunClaim) -> None:
        super().__init__(run)
        self.args = (f"handed back {run.destination_key} {run.digest_key}: the process stops",)


class Drain:
    """Open while the process takes work; closed once, when it stops."""

    def __init__(self) -> None:
        self._closed = asyncio.Event()
        self._waiting: set[asyncio.Task[Any]] = set()
        self._interrupted: set[asyncio.Task[Any]] = set()
        self._sending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def closed(self) -> bool:
        """Whether the process is stopping (no send may start)."""
        return self._closed.is_set()

    def close(self) -> None:
        """Stop every send that has not started; the ones in progress finish. Once: a second
        close cancels nothing more."""
        if self.closed:
            return
        self._closed.set()
        for task in self._waiting:
            self._interrupted.add(task)
            task.cancel()

    async def wait_unless_closed(self, waiting: Awaitable[None]) -> bool:
        """Wait for `waiting` (a pacer turn, a backoff: never database work) in this task; stop
        waiting as soon as the drain closes. False when it closed (before or while waiting).

        `close` cancels the waiting task, which resumes here: that one cancel is taken back, so
        only the wait ends (the same device as `asyncio.timeout`). Any other cancel of the task
        (the shutdown's, a timeout's, often in the same instant as the close) is not ours to
        take back: it is raised.
        """
        task = asyncio.current_task()
        if self.closed or task is None:
            if asyncio.iscoroutine(waiting):
                waiting.close()
            return not self.closed
        cancelling = task.cancelling()
        self._waiting.add(task)
        try:
            await waiting
        except asyncio.CancelledError:
            if task not in self._interrupted:
                raise
            self._interrupted.discard(task)
            if task.uncancel() > cancelling:
                raise
            return False
        finally:
            self._waiting.discard(task)
        if task in self._interrupted:  # the wait swallowed the close's cancel: take it back
            self._interrupted.discard(task)
            task.uncancel()
            return False
        return True

    @contextlib.asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        """Around one send and its record: `settled` waits for it."""
        self._sending += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._sending -= 1
            if not self._sending:
                self._idle.set()

    async def settled(self, within: float) -> bool:
        """Wait up to `within` seconds for the sends in progress; False if some still run."""
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
