"""How `paperbot run` stops on SIGTERM or SIGINT: within a bound, with a consistent ledger.

1. No new work: the start-up task, the prompt and the notes watcher are cancelled, the drain
   closes (no digest send starts; see `bot.delivery.drain`) and the scheduler launches no job.
2. The sends in progress finish and are recorded; runs stopped between parts are handed back.
3. The chat platforms' connections and the HTTP server close.
4. The jobs still running (a run's last ledger writes, a re-ingest's file) finish; whatever is
   still running at the bound is cancelled. Only then is leadership resigned and the scheduler
   shut down (APScheduler's shutdown cancels the jobs it runs, mid-send), and the caller disposes
   of the engine (`bot.app.DISPOSE_TIMEOUT` at most).
5. Last, `end_leftovers`: the tasks still there are cancelled and get `LEFTOVER_GRACE` seconds to
   end. `asyncio.run` would cancel them too, then wait for them for ever: one that ignores its
   cancel (a library's bug) would hold the process until the watchdog. Such a task is logged
   with the line it is stuck at, and the process exits 1 at once without it (`leave`); when
   all that is left is database connections' closes (a driver's thread still running a
   statement cut off at the bound), it exits 0 without them.

The bound is `PAPERBOT_SHUTDOWN_TIMEOUT` seconds (`Settings.shutdown_timeout`; default 10, Docker's
grace before SIGKILL), from the signal to the database's close. A step that must still run when
the bound is used up (a connection's close, a cancelled job's unwinding, the resignation) gets at
most `CANCEL_GRACE` seconds, and all of them together at most `OVERRUN` seconds: a database slow
under load can stretch each step, never their sum (`Deadline`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.delivery.drain import Drain
from bot.tasks import bounded

__all__ = [
    "CANCEL_GRACE",
    "DEFAULT_TIMEOUT",
    "LEFTOVER_GRACE",
    "OVERRUN",
    "Deadline",
    "end_leftovers",
    "leave",
    "shut_down",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # `Settings.shutdown_timeout`, PAPERBOT_SHUTDOWN_TIMEOUT
CANCEL_GRACE = 1.0  # what one step gets past the bound (a close, a cancelled job's unwinding)
OVERRUN = 3.0  # what every step past the bound gets together
LEFTOVER_GRACE = 2.0  # what the tasks left once everything is closed get to end when cancelled


Close = tuple[str, Callable[[], Awaitable[None]]]


class Deadline:
    """The time each stopping step may take: what is left of the bound, and once it is used up a
    grace per step (`CANCEL_GRACE`) drawn from one shared allowance (`OVERRUN`)."""

    def __init__(self, bound: float, now: Callable[[], float], *, overrun: float = OVERRUN) -> None:
        self._now = now
        self._end = now() + bound
        self._hard_end = self._end + overrun

    def left(self) -> float:
        """Seconds left of the bound (0 once it is used up)."""
        return max(0.0, self._end - self._now())

    def step(self) -> float:
        """Seconds the next step may take: the rest of the bound, or a grace while the shared
        allowance lasts if that is longer (0 after it: the step is cut off at once)."""
        grace = min(CANCEL_GRACE, self._hard_end - self._now())
        return max(0.0, self.left(), grace)


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
    deadline = Deadline(bound, asyncio.get_running_loop().time)
    drain.close()
    pause()
    for task in cancel:
        task.cancel()
    if cancel:  # a cancelled ingest mid-query may take the database's time to unwind
        done, stuck = await asyncio.wait(cancel, timeout=deadline.step())
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("%s failed while stopping", task.get_name(), exc_info=task.exception())
        if stuck:
            log.warning("%d cancelled tasks still unwinding; going on", len(stuck))
    if not await drain.settled(deadline.left()):
        log.warning("a send was still in progress after %.1f s; cancelling it", bound)
    for name, closing in close:
        try:
            await bounded(closing(), deadline.step(), unwind=deadline.step)
        except TimeoutError:
            log.warning("closing %s took longer than the shutdown bound; cut off", name)
        except Exception:  # boundary: the others still close
            log.exception("closing %s failed", name)
    await _finish_jobs(deadline)
    try:
        await bounded(stop_scheduling(), deadline.step(), unwind=deadline.step)
    except TimeoutError:
        log.warning("resigning took longer than the shutdown bound; cut off")
    except Exception:  # boundary: a follower takes over at its next poll all the same
        log.exception("stopping the scheduler failed")


async def _finish_jobs(deadline: Deadline) -> None:
    """Let jobs still running finish before the engine is disposed; cancel them at the bound.

    A job cut off mid-query would keep its database connection, and aiosqlite's connection
    thread is not a daemon: the process would not exit. So a cancelled job gets a moment to
    unwind (its session closes) before the caller disposes of the engine.
    """
    running = _others()
    if not running:
        return
    log.debug("waiting for %s", [t.get_coro() for t in running])
    _done, pending = await asyncio.wait(running, timeout=deadline.left())
    if not pending:
        return
    log.warning("%d jobs still running at the shutdown bound: cancelled", len(pending))
    for task in pending:  # what held the stop, for whoever reads the log
        log.warning("%s was still running at:\n%s", task.get_name(), _where(task))
    for task in pending:
        task.cancel()
    if grace := deadline.step():
        await asyncio.wait(pending, timeout=grace)


async def end_leftovers(grace: float = LEFTOVER_GRACE) -> list[asyncio.Task[Any]]:
    """Cancel the tasks still there besides this one and wait `grace` seconds for them to end;
    the ones that did not, each logged with where it is stuck."""
    left = _others()
    if not left:
        return []
    for task in left:
        task.cancel()
    _done, stuck = await asyncio.wait(left, timeout=grace)
    for task in stuck:
        log.error(
            "%s did not end when cancelled; it is stuck at:\n%s", task.get_name(), _where(task)
        )
    return sorted(stuck, key=lambda task: task.get_name())


def leave(stuck: Sequence[asyncio.Task[Any]]) -> None:
    """When tasks would not end, exit now without them: a clean interpreter exit would wait for
    them (and for the database threads they hold) for ever. The ledger survives it as it
    survives a crash. Exit 0 when every one is SQLAlchemy's shielded close of a connection it
    invalidated when its job was cancelled (the driver's thread still runs the statement that
    was cut off, and the database rolls back what that connection did not commit once the
    process ends: nothing of ours is unfinished), else 1. Nothing when none are left."""
    if not stuck:
        return
    if all(_closes_a_connection(task) for task in stuck):
        log.warning("exiting without %d database connection closes still waiting", len(stuck))
        code = 0
    else:
        log.error("exiting without %d tasks that would not end", len(stuck))
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    os._exit(code)


def _others() -> list[asyncio.Task[Any]]:
    """The tasks not done besides the one asking."""
    current = asyncio.current_task()
    return [task for task in asyncio.all_tasks() if task is not current and not task.done()]


def _awaited(task: asyncio.Task[Any]) -> list[Any]:
    """The task's chain of coroutines, outermost first (`cr_await` down to the innermost)."""
    chain: list[Any] = []
    coro: Any = task.get_coro()
    while coro is not None and hasattr(coro, "cr_frame"):
        chain.append(coro)
        coro = getattr(coro, "cr_await", None)
    return chain


def _closes_a_connection(task: asyncio.Task[Any]) -> bool:
    """The task is SQLAlchemy's close of an async driver's connection (its own task: shielded)."""
    return getattr(task.get_coro(), "__qualname__", "").endswith("._terminate_graceful_close")


def _where(task: asyncio.Task[Any]) -> str:
    frames = [(c.cr_frame, c.cr_frame.f_lineno) for c in _awaited(task) if c.cr_frame is not None]
    frames = frames or [(frame, frame.f_lineno) for frame in task.get_stack()]
    summary = traceback.StackSummary.extract(frames)
    return "".join(summary.format()) or repr(task.get_coro())
