"""Ending tasks without losing a cancellation: the two helpers of the code that stops things.

asyncio's rule: code that catches `CancelledError` re-raises it, unless it takes the cancel back
(`uncancel()`) for a reason of its own. Two shapes common in stopping code break the rule:

- `task.cancel()` then `with suppress(CancelledError): await task` swallows the *caller's*
  cancellation along with the task's: cancelled while it waits (by a shutdown bound, a timeout),
  the caller goes on as if nothing had happened, and the bound no longer bounds anything.
  `cancel_and_wait` waits with `asyncio.wait`, which never raises the task's outcome: only the
  caller's own cancellation comes out of it.
- On Python 3.11, `asyncio.wait_for` cancels the awaitable at its timeout and then waits for it
  to end, however long that takes: a close that does not end when cancelled holds it for ever.
  `bounded` gives the awaitable a moment to unwind once cancelled, then leaves it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["bounded", "cancel_and_wait"]

log = logging.getLogger(__name__)

T = TypeVar("T")


async def cancel_and_wait(task: asyncio.Task[Any], within: float | None = None) -> bool:
    """Cancel `task` and wait at most `within` seconds (None: as long as it takes) for it to
    end; True when it ended.

    What the task ended with is its own business: its cancellation is not raised, a failure is
    logged. A cancellation of the caller while it waits is raised, the task staying cancelled.
    """
    if not task.done():
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=within)
        if not done:
            return False
    if not task.cancelled() and task.exception() is not None:
        log.warning("%s failed while stopping", task.get_name(), exc_info=task.exception())
    return True


async def bounded(
    awaitable: Awaitable[T], within: float, *, unwind: float | Callable[[], float] = 0.0
) -> T:
    """`await awaitable`, for at most `within` seconds.

    Past them it is cancelled and gets `unwind` seconds to end (a number, or a function asked at
    that moment: what is left of a shared allowance), and TimeoutError is raised whether or not
    it ended: one that ignores its cancel is left behind, never waited for. When the caller is
    cancelled, the awaitable is cancelled too and the caller's cancellation raised at once.
    """
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=within)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if done:
        return task.result()
    grace = unwind() if callable(unwind) else unwind
    if not await cancel_and_wait(task, grace):
        log.warning("%s did not end when cancelled; left behind", _name(task))
    raise TimeoutError(f"not done within {within:.1f} s")


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)
