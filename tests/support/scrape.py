"""Reading a `/metrics` page the way Prometheus does (its own parser), by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

__all__ = ["Scrape"]


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
