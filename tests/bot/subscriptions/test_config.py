"""`[subscriptions] emoji` in config/paperbot.toml: the reactions that follow a paper's tags,
checked strictly like every other table."""

from __future__ import annotations

import re
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
        ({"emoji": [" "]}, "subscriptions.emoji[0]: an entry is empty"),
        ({"emoji": "🔔"}, "subscriptions.emoji"),
        ({"emojis": ["🔔"]}, "subscriptions.emojis: unknown key"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(named)):
        parse_delivery_config({"subscriptions": table}, "paperbot.toml")


def test_the_confirmation_window_is_three_seconds_unless_a_team_says_otherwise() -> None:
    assert parse_delivery_config({}).subscriptions.confirm_window_seconds == 3.0
    example = load_delivery_config(ROOT / "config" / "paperbot.example.toml")
    assert example.subscriptions.confirm_window_seconds == 3.0
    table = {"confirm_window_seconds": 0.5}
    assert (
        parse_delivery_config({"subscriptions": table}).subscriptions.confirm_window_seconds == 0.5
    )
    whole = parse_delivery_config({"subscriptions": {"confirm_window_seconds": 10}})
    assert whole.subscriptions.confirm_window_seconds == 10.0  # a TOML integer is a number too


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (-1, "greater than or equal to 0"),
        (11, "less than or equal to 10"),
        ("3", "a valid number"),
        (True, "a valid number"),
    ],
)
def test_a_bad_confirmation_window_names_the_key(value: object, said: str) -> None:
    table = {"confirm_window_seconds": value}
    with pytest.raises(ConfigError) as raised:
        parse_delivery_config({"subscriptions": table}, "paperbot.toml")
    assert "paperbot.toml: subscriptions.confirm_window_seconds: " in str(raised.value)
    assert said in str(raised.value)
