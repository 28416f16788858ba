"""`[subscriptions] emoji` in config/paperbot.toml: the reactions that follow a paper's tags,
checked strictly like every other table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.delivery.config import load_delivery_config, parse_delivery_config
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def test_the_default_is_the_bell_and_slacks_name_for_it() -> None:
    assert parse_delivery_config({}).subscribe_emoji == ("🔔", "bell")
    example = load_delivery_config(ROOT / "config" / "paperbot.example.toml")
    assert example.subscribe_emoji == ("🔔", "bell")


def test_a_team_chooses_its_own() -> None:
    config = parse_delivery_config({"subscriptions": {"emoji": ["⭐", "star", "⭐"]}})
    assert config.subscribe_emoji == ("⭐", "star")


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"emoji": []}, "subscriptions.emoji"),
        ({"emoji": [" "]}, "subscriptions.emoji: an entry is empty"),
        ({"emoji": "🔔"}, "subscriptions.emoji"),
        ({"emojis": ["🔔"]}, "subscriptions.emojis: unknown key"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        parse_delivery_config({"subscriptions": table}, "paperbot.toml")
