"""Virtual time for concurrent runs: sleeps wait on the fixed clock, which jumps when all wait.

`VirtualSleep` moves the clock by each sleep, which is right for one task at a time; with
several tasks their sleeps would add up. Here a sleep waits until the clock reaches its wake-up
instant, and `drive` advances the clock to the earliest wake-up only once every task it drives
is asleep or done (a task waiting on the database is neither), so the order of events is that
of real time, without waiting for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.support.clock import FixedClock


@dataclass
class _Sleeper:
    task: asyncio.Task[object] | None
    wake: datetime
    done: asyncio.Future[None]


class VirtualTime:
    """A sleep for the code under test, and a driver for the test."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.waits: dict[str, list[float]] = {}  # task name -> seconds asked, in order
        self._sleepers: list[_Sleeper] = []

    async def __call__(self, seconds: float) -> None:
        task = asyncio.current_task()
        name = task.get_name() if task is not None else "?"
        self.waits.setdefault(name, []).append(seconds)
        if seconds <= 0:
            return
        wake = self.clock.now() + timedelta(seconds=seconds)
        sleeper = _Sleeper(task, wake, asyncio.get_running_loop().create_future())  # type: ignore[arg-type]
        self._sleepers.append(sleeper)
        await sleeper.done

    def asleep(self, task: asyncio.Task[object]) -> bool:
        return any(s.task is task for s in self._sleepers)

    async def until_asleep(self, task: asyncio.Task[object], limit: float = 10) -> None:
        """Wait (yielding to the loop, not to the clock) until `task` sleeps or ends."""
        async with asyncio.timeout(limit):
            while not (task.done() or self.asleep(task)):  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.001)  # the task may be waiting on the database

    async def drive(self, tasks: Iterable[asyncio.Task[object]], limit: float = 30) -> None:
        """Run the tasks to the end, moving the clock whenever all of them are asleep."""
        pending = list(tasks)
        async with asyncio.timeout(limit):
            while not all(t.done() for t in pending):
                if all(t.done() or self.asleep(t) for t in pending) and self._sleepers:
                    self._wake_next()
                await asyncio.sleep(0.001)
        for task in pending:
            task.result()  # re-raise what a task raised

    def _wake_next(self) -> None:
        wake = min(s.wake for s in self._sleepers)
        if wake > self.clock.now():
            self.clock.set(wake)
        for sleeper in [s for s in self._sleepers if s.wake <= self.clock.now()]:
            self._sleepers.remove(sleeper)
            sleeper.done.set_result(None)
