"""Pacing: at most one message per second per channel, and a workspace hold after a 429.

Every send reserves its turn first, so concurrent tasks for one channel queue instead of racing.
The clock and sleep are injected, so tests move virtual time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.models import Destination, Platform
from bot.ports import Clock

__all__ = ["Pacer", "Sleep"]

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Per-channel spacing plus an optional steady workspace rate and Retry-After holds."""

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep,
        *,
        channel_interval: float = 1.0,
        workspace_interval: float | None = None,
        unpaced: frozenset[Platform] = frozenset(),
    ) -> None:
        """`unpaced` platforms (the terminal) have no rate limit to respect."""
        self._clock, self._sleep = clock, sleep
        self._unpaced = unpaced
        self._channel_interval = timedelta(seconds=channel_interval)
        self._workspace_interval = (
            None if workspace_interval is None else timedelta(seconds=workspace_interval)
        )
        self._channel_next: dict[str, datetime] = {}
        self._workspace_next: dict[str, datetime] = {}
        self._workspace_hold: dict[str, datetime] = {}

    @staticmethod
    def _workspace(dest: Destination) -> str:
        return f"{dest.platform.value}:{dest.workspace}"

    def _reserve(self, dest: Destination, now: datetime) -> datetime:
        workspace = self._workspace(dest)
        turn = max(
            now,
            self._channel_next.get(dest.key, now),
            self._workspace_hold.get(workspace, now),
        )
        if self._workspace_interval is not None:
            turn = max(turn, self._workspace_next.get(workspace, now))
            self._workspace_next[workspace] = turn + self._workspace_interval
        self._channel_next[dest.key] = turn + self._channel_interval
        return turn

    async def wait_turn(self, dest: Destination) -> None:
        """Wait until this channel (and its workspace) may take another message."""
        if dest.platform in self._unpaced:
            return
        while True:
            now = self._clock.now()
            turn = self._reserve(dest, now)
            if turn <= now:
                return
            await self._sleep((turn - now).total_seconds())
            if self._workspace_hold.get(self._workspace(dest), turn) <= turn:
                return
            self._channel_next[dest.key] = turn  # a hold came while waiting: queue again

    def hold_workspace(self, dest: Destination, seconds: float) -> None:
        """The platform said "Retry-After": hold every channel of the workspace that long."""
        until = self._clock.now() + timedelta(seconds=seconds)
        workspace = self._workspace(dest)
        self._workspace_hold[workspace] = max(self._workspace_hold.get(workspace, until), until)
