"""All destinations: declared in config, or set from chat. Config wins for the same channel."""

from __future__ import annotations

from bot.delivery.config import DeliveryConfig
from bot.digest.settings import DestinationSettings
from bot.store.destinations import SqlDestinationStore

__all__ = ["DestinationCatalog"]


class DestinationCatalog:
    """Merges the two sources; a chat-set row for a config-declared channel is ignored."""

    def __init__(self, config: DeliveryConfig, store: SqlDestinationStore) -> None:
        self._config, self._store = config, store
        self._declared = {d.key: d for d in config.destinations}

    def declared(self, key: str) -> DestinationSettings | None:
        """The config-declared settings of a destination (read-only from chat)."""
        return self._declared.get(key)

    async def all(self) -> list[DestinationSettings]:
        """Every destination, config-declared first, each key once."""
        chat = [d for d in await self._store.chat_destinations() if d.key not in self._declared]
        return [*self._config.destinations, *chat]

    async def get(self, key: str) -> DestinationSettings | None:
        """One destination by key, config first."""
        if key in self._declared:
            return self._declared[key]
        return next((d for d in await self._store.chat_destinations() if d.key == key), None)
