"""How `paperbot run` stops on SIGTERM or SIGINT: within a bound, with a consistent ledger.

1. No new work: the start-up task, the prompt and the notes watcher are cancelled, the drain
   closes (no digest send starts; see `bot.delivery.drain`) and the scheduler launches no job.
2. The sends in progress finish and are recorded; runs stopped between parts are handed back.
3. The chat platforms' connections and the HTTP server close.
4. The jobs still running (a run's last ledger writes, a re-ingest's file) finish; whatever is
   still running at the bound is cancelled. Only then is leadership resigned and the scheduler
   shut down (APScheduler's shutdown cancels the jobs it runs, mid-send), and the caller disposes
   of the engine.

The bound is `PAPERBOT_SHUTDOWN_TIMEOUT` seconds (`Settings.shutdown_timeout`; default 10, Docker's
grace before SIGKILL), from the signal to the database's close, plus at most a second for a
cancelled job to unwind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.delivery.drain import Drain

__all__ = ["DEFAULT_TIMEOUT", "shut_down"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # `Settings.shutdown_timeout`, PAPERBOT_SHUTDOWN_TIMEOUT
CANCEL_GRACE = 1.0  # what a cancelled job gets to unwind (close its session) past the bound

Close = tuple[str, Callable[[], Awaitable[None]]]


async def shut_down(
    bound: float,
    *,
    drain: Drain,
    cancel: Sequence[asyncio.Task[Any]],
    pause: Callable[[], None],
    close: Sequence[Close],
    stop_scheduling: Callable[[], Awaitable[None]],
) -> None:
    """Stop in the order of the module's docstring, within `bound` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound

    def left() -> float:
        return max(0.0, deadline - loop.time())

    drain.close()
    pause()
    for task in cancel:
        task.cancel()
    for task in cancel:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if not await drain.settled(left()):
        log.warning("a send was still in progress after %.1f s; cancelling it", bound)
    for name, closing in close:
        try:
            await asyncio.wait_for(closing(), timeout=max(left(), CANCEL_GRACE))
        except Exception:  # boundary: the others still close
            log.exception("closing %s failed", name)
    await _finish_jobs(left())
    try:
        await asyncio.wait_for(stop_scheduling(), timeout=max(left(), CANCEL_GRACE))
    except Exception:  # boundary: a follower takes over at its next poll all the same
        log.exception("stopping the scheduler failed")


async def _finish_jobs(grace: float) -> None:
    """Let jobs still running finish before the engine is disposed; cancel them at the bound.

    A job cut off mid-query would keep its database connection, and aiosqlite's connection
    thread is not a daemon: the process would not exit. So a cancelled job gets a moment to
    unwind (its session closes) before the caller disposes of the engine.
    """
    current = asyncio.current_task()
    running = {task for task in asyncio.all_tasks() if task is not current and not task.done()}
    if not running:
        return
    log.debug("waiting for %s", [t.get_coro() for t in running])
    _done, pending = await asyncio.wait(running, timeout=grace)
    if not pending:
        return
    log.warning("%d jobs still running at the shutdown bound: cancelled", len(pending))
    for task in pending:
        task.cancel()
    await asyncio.wait(pending, timeout=CANCEL_GRACE)
