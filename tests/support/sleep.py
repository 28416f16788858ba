"""Virtual sleep: waiting moves the fixed clock instead of the wall clock."""

from __future__ import annotations

from datetime import timedelta

from tests.support.clock import FixedClock


class VirtualSleep:
    """Each sleep advances the clock and is recorded; nothing waits."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
