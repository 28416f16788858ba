"""All destinations: declared in config, set from chat, or built in (the terminal when nothing
is declared). Config wins for the same channel; chat wins over a built-in default.

Chat-set rows are read from the database once and kept: a digest fan-out or a command looks
destinations up many times, and they change only through `/paper channel set`, which saves
through `save` here and so drops the copy at once. Rows another process wrote (a replica) are
seen within `max_age`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.config import DeliveryConfig
from bot.digest.settings import DestinationSettings, Origin
from bot.ports import Clock
from bot.store.destinations import SqlDestinationStore

__all__ = ["DestinationCatalog"]


class DestinationCatalog:
    """Merges the sources; a chat-set row for a config-declared channel is ignored."""

    def __init__(
        self,
        config: DeliveryConfig,
        store: SqlDestinationStore,
        *,
        clock: Clock,
        max_age: timedelta = timedelta(seconds=60),
    ) -> None:
        self._config, self._store, self._clock, self._max_age = config, store, clock, max_age
        given = config.destinations
        self._declared = {d.key: d for d in given if d.origin is not Origin.DEFAULT}
        self._defaults = {d.key: d for d in given if d.origin is Origin.DEFAULT}
        self._chat: dict[str, DestinationSettings] | None = None
        self._loaded_at: datetime | None = None

    def declared(self, key: str) -> DestinationSettings | None:
        """The config-declared settings of a destination (read-only from chat)."""
        return self._declared.get(key)

    async def all(self) -> list[DestinationSettings]:
        """Every destination, config-declared first, each key once."""
        chat = await self._chat_rows()
        defaults = [d for key, d in self._defaults.items() if key not in chat]
        return [*self._declared.values(), *chat.values(), *defaults]

    async def get(self, key: str) -> DestinationSettings | None:
        """One destination by key: config, else chat, else a built-in default."""
        if key in self._declared:
            return self._declared[key]
        return (await self._chat_rows()).get(key) or self._defaults.get(key)

    async def save(self, settings: DestinationSettings, *, by: str, now: datetime) -> None:
        """Store a chat-set destination; the next lookup reads the rows again."""
        await self._store.save(settings, by=by, now=now)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the chat-set rows read so far."""
        self._chat, self._loaded_at = None, None

    async def _chat_rows(self) -> dict[str, DestinationSettings]:
        now = self._clock.now()
        fresh = self._loaded_at is not None and now - self._loaded_at < self._max_age
        if self._chat is None or not fresh:
            rows = await self._store.chat_destinations()
            self._chat = {d.key: d for d in rows if d.key not in self._declared}
            self._loaded_at = now
        return self._chat
