"""Each Slack `event_id` handled once, across restarts and replicas.

Slack redelivers an event it thinks was not acknowledged within 3 s (up to three times over
about five minutes) and Bolt does not de-duplicate. The first replica to insert the id wins
under the primary key; the others see the conflict and skip. Ids older than `KEEP` (Slack's
retries end after minutes) are pruned every `PRUNE_EVERY` new ids.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from bot.store.slack_schema import SlackSeenEventRow

__all__ = ["KEEP", "SqlSeenEvents"]

KEEP = timedelta(hours=2)
PRUNE_EVERY = 200


class SqlSeenEvents:
    """Insert-if-absent over `slack_seen_events`."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine, self._clock = engine, clock
        self._inserts = 0

    async def first_time(self, event_id: str) -> bool:
        """Record `event_id`; False when it was already recorded (here or by another replica)."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(SlackSeenEventRow).values(event_id=event_id, seen_at=self._clock.now())
                )
        except IntegrityError:
            return False
        self._inserts += 1
        if self._inserts % PRUNE_EVERY == 0:
            await self.prune()
        return True

    async def prune(self) -> int:
        """Forget ids older than `KEEP`; returns how many."""
        cutoff = self._clock.now() - KEEP
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(SlackSeenEventRow).where(SlackSeenEventRow.seen_at < cutoff)
            )
        return int(result.rowcount or 0)
