"""Reading a `/metrics` page the way Prometheus does (its own parser), by name and labels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["Scrape", "scrape", "scrape_until"]


class Scrape:
    """Every sample of one exposition; label order does not matter."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.kinds: dict[str, str] = {}
        self._values: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in text_string_to_metric_families(text):
            self.kinds[family.name] = family.type
            for sample in family.samples:
                self._values[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        """One sample's value; 0 when it is not there (a counter that never moved)."""
        return self._values.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        """Whether the sample is exposed at all."""
        return (name, frozenset(labels.items())) in self._values

    def read_the_database(self) -> bool:
        """Whether this scrape holds the gauges counted in the database (`paperbot_notes` and
        the rest): a scrape whose count took over its 2 s, as on a loaded machine, leaves them
        out, and each would read as 0."""
        return self.has("paperbot_notes", state="active")

    def names(self) -> set[str]:
        """Every sample name exposed."""
        return {name for name, _ in self._values}


async def scrape(port: int) -> Scrape:
    """One `GET /metrics` of the bot on `port`, parsed."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        assert response.status == 200
        return Scrape(await response.text())


async def scrape_until(port: int, wanted: Callable[[Scrape], bool], limit: float = 60) -> Scrape:
    """Scrape until `wanted` holds, in a scrape that read the database's gauges (the bot works
    in its own time; this polls it, it does not time it)."""
    async with asyncio.timeout(limit):
        while True:
            found = await scrape(port)
            if wanted(found) and found.read_the_database():
                return found
            await asyncio.sleep(0.2)
