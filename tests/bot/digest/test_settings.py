"""A destination's settings list every unusable value at once, each naming its key."""

from __future__ import annotations

from bot.digest.settings import DestinationSettings
from bot.models import Destination, Platform


def test_every_unusable_value_is_listed_in_the_order_of_the_keys() -> None:
    settings = DestinationSettings(
        Destination(Platform.CONSOLE, "local", "t", timezone="Mars/Base", locale="fr"),
        schedule="every day",
        filter_text="author:kim",
        max_entries=0,
    )
    problems = settings.problems("destinations[2]")
    assert [p.split(":", 1)[0] for p in problems] == [
        f"destinations[2].{key}" for key in ("schedule", "timezone", "locale", "max_entries")
    ] + ["destinations[2].filter"]
    assert problems[2:4] == [
        "destinations[2].locale: 'fr' is not one of ko, en",
        "destinations[2].max_entries: must be at least 1",
    ]
