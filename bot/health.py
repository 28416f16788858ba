"""Readiness: named async checks (database, migrations, scheduler, each chat platform) that
`/readyz` runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["HealthRegistry"]

Check = Callable[[], Awaitable[bool]]


class HealthRegistry:
    """Each check answers True when its part works; a check that raises or hangs is failing."""

    def __init__(self, *, timeout: float = 2.0) -> None:
        self._checks: dict[str, Check] = {}
        self._timeout = timeout

    def add(self, name: str, check: Check) -> None:
        """Register a check under a name shown in `/readyz`."""
        self._checks[name] = check

    async def run(self) -> dict[str, bool]:
        """Every check's result, run concurrently, each bounded by the timeout."""
        names = list(self._checks)
        results = await asyncio.gather(
            *(self._one(self._checks[name]) for name in names), return_exceptions=False
        )
        return dict(zip(names, results, strict=True))

    async def _one(self, check: Check) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                return await check()
        except Exception:  # boundary: a broken check means "not ready", never a crash
            return False
