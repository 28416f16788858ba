"""Telling the admin that a destination was paused: log, metric, and an optional chat message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.metrics import NullMetrics
from bot.ports import Metrics
from bot.replies import Text, msg

__all__ = ["AdminAlerts", "NullMetrics"]

log = logging.getLogger(__name__)

AdminMessage = Callable[[Text], Awaitable[None]]


class AdminAlerts:
    """Raised when a destination is paused after repeated permanent failures."""

    def __init__(self, metrics: Metrics, message: AdminMessage | None = None) -> None:
        self._metrics, self._message = metrics, message

    async def destination_paused(self, dest_key: str, reason: str, failures: int) -> None:
        """Log an error, count it, and post to the admin channel when one is configured."""
        log.error("paused %s after %d permanent failures: %s", dest_key, failures, reason)
        self._metrics.inc("paperbot_destination_paused_total", destination=dest_key)
        if self._message is None:
            return
        text = msg("alert.paused", destination=dest_key, failures=failures, reason=reason)
        try:
            await self._message(text)
        except Exception:  # boundary: the alert must not hide the pause it reports
            log.exception("could not tell the admin channel about %s", dest_key)
