"""Stopping code never swallows its own cancellation, and a bound holds even over an awaitable
that ignores its cancel (`bot.tasks`, used by every close step of `paperbot run`)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.tasks import bounded, cancel_and_wait

HANG_GUARD = 30  # seconds; only a hang reaches it


async def _unwinds_until(released: asyncio.Event, unwinding: asyncio.Event) -> None:
    """A task whose cancel takes a while to go through (a close in its `finally`)."""
    try:
        await asyncio.Event().wait()
    finally:
        unwinding.set()
        await released.wait()


async def _ignores_cancel(released: asyncio.Event, cancels: list[int]) -> None:
    """A task with a library's bug: it takes every cancel back until released."""
    while not released.is_set():
        try:
            await released.wait()
        except asyncio.CancelledError:
            cancels.append(1)
            current = asyncio.current_task()
            assert current is not None
            current.uncancel()


async def test_a_cancel_of_the_caller_while_it_waits_for_the_task_is_raised() -> None:
    released, unwinding = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_unwinds_until(released, unwinding))
    await asyncio.sleep(0)
    stopper = asyncio.create_task(cancel_and_wait(task))
    async with asyncio.timeout(HANG_GUARD):
        await unwinding.wait()
    stopper.cancel()  # the shutdown bound cuts the stop off
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(HANG_GUARD):
            await stopper
    assert not task.done()  # it was not waited for; it ends by itself
    released.set()
    async with asyncio.timeout(HANG_GUARD):
        await asyncio.wait({task})
    assert task.cancelled()


async def test_the_tasks_own_end_is_not_raised_and_one_that_ignores_its_cancel_is_left() -> None:
    released, unwinding = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_unwinds_until(released, unwinding))
    await asyncio.sleep(0)
    released.set()
    assert await cancel_and_wait(task) is True
    assert task.cancelled()

    stubborn_released, cancels = asyncio.Event(), []
    stubborn = asyncio.create_task(_ignores_cancel(stubborn_released, cancels))
    await asyncio.sleep(0)
    assert await cancel_and_wait(stubborn, 0.05) is False
    assert cancels == [1] and not stubborn.done()
    stubborn_released.set()
    await stubborn


async def test_a_bound_holds_over_an_awaitable_that_ignores_its_cancel() -> None:
    released, cancels = asyncio.Event(), []
    closing = asyncio.create_task(bounded(_ignores_cancel(released, cancels), 0.05, unwind=0.05))
    done, _ = await asyncio.wait({closing}, timeout=HANG_GUARD)
    released.set()  # 3.11's asyncio.wait_for would still be waiting: let it end
    assert done, "the bound did not hold"
    with pytest.raises(TimeoutError):
        await closing
    assert cancels == [1]  # cancelled once at the bound, then left behind


async def test_a_bound_returns_what_finished_in_time_and_passes_a_cancel_of_the_caller_on() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert await bounded(answer(), 5) == 42

    released, unwinding = asyncio.Event(), asyncio.Event()
    inner: list[asyncio.Task[None]] = []

    async def closing() -> None:
        inner.append(asyncio.current_task())  # type: ignore[arg-type]
        await _unwinds_until(released, unwinding)

    caller = asyncio.create_task(bounded(closing(), 3600))
    async with asyncio.timeout(HANG_GUARD):
        while not inner:  # noqa: ASYNC110 - the closing task's start is its only trace
            await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(HANG_GUARD):
            await caller
    async with asyncio.timeout(HANG_GUARD):
        await unwinding.wait()  # the awaitable was cancelled along with its caller
    released.set()
    with contextlib.suppress(asyncio.CancelledError):
        await inner[0]
    assert inner[0].cancelled()
