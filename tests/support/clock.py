"""A clock tests move by hand: no test ever waits on wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FixedClock:
    """Returns the same instant until advanced."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 9, 20, 0, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment
