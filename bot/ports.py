"""Protocols at the edges of the core: the core depends on these, never on implementations."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock"]


@runtime_checkable
class Clock(Protocol):
    """The only source of "now"; tests inject a fixed one."""

    def now(self) -> datetime:
        """Current time, timezone-aware."""
        ...
