"""Recent search pages, valid for one generation of the index.

A page is kept under its query and page size together with the index generation it was read
at (`bot/store/search_generation.py`); a lookup at any other generation finds nothing and
forgets every page, so no ingest, re-index or write by another process is ever answered from
before it. Least recently used pages go first beyond `size`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["RESULT_CACHE_SIZE", "GenerationCache"]

RESULT_CACHE_SIZE = 256
"""Pages kept: a team's recent searches and the pages their buttons turn to."""

V = TypeVar("V")


class GenerationCache(Generic[V]):
    """An LRU of values read at one generation; `size` 0 keeps nothing."""

    def __init__(self, size: int = RESULT_CACHE_SIZE) -> None:
        self._size = size
        self._generation: int | None = None
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self._size > 0

    def get(self, generation: int, key: Hashable) -> V | None:
        """The value kept for `key` at `generation`, else None (a new generation forgets all)."""
        if generation != self._generation:
            self._values.clear()
            self._generation = generation
        found = self._values.get(key)
        if found is None:
            self.misses += 1
            return None
        self._values.move_to_end(key)
        self.hits += 1
        return found

    def put(self, generation: int, key: Hashable, value: V) -> None:
        """Keep `value`, read at `generation` (ignored if the cache has moved on since)."""
        if not self.enabled or generation != self._generation:
            return
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self._size:
            self._values.popitem(last=False)

    def clear(self) -> None:
        """Forget every value (the next lookup reads the database)."""
        self._values.clear()
        self._generation = None
