"""Telling the admin that a destination was paused (or a lost workspace resumed): log, metric,
and an optional chat message."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.metrics import NullMetrics
from bot.ports import Metrics
from bot.replies import Text, msg

__all__ = ["AdminAlerts", "NullMetrics", "paused_alert"]

log = logging.getLogger(__name__)

AdminMessage = Callable[[Text], Awaitable[None]]


def paused_alert(
    dest_key: str, reason: str, failures: int, *, code: str = "", advice: Text | None = None
) -> Text:
    """The admin channel's sentence for a pause: the advice and `[code]` when the platform
    gave advice, else the platform's reason as it came."""
    if advice is None:
        return msg("alert.paused", destination=dest_key, failures=failures, reason=reason)
    return msg(
        "alert.paused_advice",
        destination=dest_key,
        failures=failures,
        code=code or reason,
        advice=advice,
    )


class AdminAlerts:
    """Raised when a destination is paused after repeated permanent failures."""

    def __init__(self, metrics: Metrics, message: AdminMessage | None = None) -> None:
        self._metrics, self._message = metrics, message

    async def destination_paused(
        self,
        dest_key: str,
        reason: str,
        failures: int,
        *,
        code: str = "",
        advice: Text | None = None,
    ) -> None:
        """Log an error, count it, and post to the admin channel when one is configured.

        With the platform's `advice` (what to do, from its adapter), the admin channel reads
        that sentence in its own language and the raw `code` in brackets; else the reason."""
        log.error("paused %s after %d permanent failures: %s", dest_key, failures, reason)
        self._metrics.inc("paperbot_destination_paused_total", destination=dest_key)
        if self._message is None:
            return
        text = paused_alert(dest_key, reason, failures, code=code, advice=advice)
        await self._say(text, dest_key)

    async def workspace_paused(
        self,
        workspace: str,
        reason: str,
        *,
        code: str,
        advice: Text | None,
        channels: int,
        people: int,
        tell: bool = True,
    ) -> None:
        """A whole workspace was lost at once (Slack: the app uninstalled): its `channels` and
        the DM digests of its `people` are paused with `code`. Logged, and said in the admin
        channel (unless `tell` is False: that channel is in the lost workspace)."""
        log.error(
            "paused %s: %s (%d channels, the DM digests of %d people)",
            workspace,
            reason,
            channels,
            people,
        )
        if self._message is None or not tell:
            return
        text = msg(
            "alert.workspace_paused",
            workspace=workspace,
            code=code,
            advice=advice if advice is not None else reason,
            channels=channels,
            people=people,
        )
        await self._say(text, workspace)

    async def workspace_resumed(self, workspace: str, *, channels: int, people: int) -> None:
        """A lost workspace is back (Slack: the app reinstalled): the `channels` and the DM
        digests of the `people` its loss paused are resumed. Logged, and said in the admin
        channel when it resumed anything (a first install resumes nothing: only the log)."""
        log.info(
            "resumed %s: %d channels and the DM digests of %d people", workspace, channels, people
        )
        if self._message is None or not (channels or people):
            return
        text = msg("alert.workspace_resumed", workspace=workspace, channels=channels, people=people)
        await self._say(text, workspace)

    async def _say(self, text: Text, about: str) -> None:
        assert self._message is not None
        try:
            await self._message(text)
        except Exception:  # boundary: the alert must not hide the pause it reports
            log.exception("could not tell the admin channel about %s", about)
