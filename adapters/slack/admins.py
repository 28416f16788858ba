"""Who is a workspace admin: Slack's `users.info` (admins and owners), cached for a few minutes.

Only admin sub-commands ask, so a search never waits on Slack; a failed lookup counts as "not an
admin" (the refusal is polite and the next try asks again), never as a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["WorkspaceAdmins"]

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


class WorkspaceAdmins:
    """`is_admin(client, team, user)`; `monotonic` is injectable for tests of the cache."""

    def __init__(
        self, ttl: float = CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._now = ttl, monotonic
        self._known: dict[tuple[str, str], tuple[bool, float]] = {}

    async def is_admin(self, client: AsyncWebClient, team: str, user: str) -> bool:
        """True for the workspace's admins and owners."""
        now = self._now()
        cached = self._known.get((team, user))
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            answer = await client.users_info(user=user)
        except (SlackApiError, SlackRequestError, OSError, TimeoutError) as exc:
            log.warning("users.info for %s in %s failed: %s", user, team, exc)
            return False
        info = answer.get("user") or {}
        admin = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        self._known[(team, user)] = (admin, now + self._ttl)
        return admin
