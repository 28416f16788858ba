from pathlib import Path

import pytest

from bot.delivery.config import load_delivery_config, parse_delivery_config
from bot.digest.build import Backfill
from bot.errors import ConfigError
from bot.models import Layout

GOOD = """
[delivery]
admin_user_ids = ["U1"]
pause_after_failures = 2

[[destinations]]
platform = "slack"
workspace = "T1"
channel = "C1"
name = "ml-papers"
filter = "tag:rlhf -tag:survey"
layout = "inline"

[[destinations]]
platform = "discord"
workspace = "G1"
channel = "42"
schedule = "30 8 * * 1-5"
timezone = "Europe/Berlin"
locale = "en"
"""


def test_good_config_is_typed_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "paperbot.toml"
    path.write_text(GOOD)
    config = load_delivery_config(path)
    first, second = config.destinations
    assert first.key == "slack:T1:C1"
    assert first.schedule == "0 9 * * *"
    assert first.destination.timezone == "Asia/Seoul"
    assert first.layout is Layout.INLINE
    assert second.destination.locale == "en"
    assert config.admin_user_ids == {"U1"}
    assert config.pause_after_failures == 2
    assert config.misfire_grace_seconds == 6 * 3600


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"timezone": "Mars/Base"}, "destinations[0].timezone"),
        ({"schedule": "every day"}, "destinations[0].schedule"),
        ({"filter": "author:kim"}, "destinations[0].filter"),
        ({"layout": "grid"}, "destinations[0].layout"),
        ({"max_entries": 0}, "destinations[0].max_entries"),
        ({"platform": "irc"}, "destinations[0].platform"),
        ({"colour": "red"}, "destinations[0].colour"),
        ({"locale": "fr"}, "destinations[0].locale"),
        ({"enabled": "yes"}, "destinations[0].enabled"),
        ({"backfill": "some"}, "destinations[0].backfill"),
        ({"empty_message": 1}, "destinations[0].empty_message"),
    ],
)
def test_errors_name_the_key(patch: dict[str, object], key: str) -> None:
    raw = {"platform": "slack", "workspace": "T", "channel": "C", **patch}
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_delivery_config({"destinations": [raw]}, "paperbot.toml")


def test_a_destination_with_a_wrong_type_still_has_its_values_checked() -> None:
    raw = {"platform": "slack", "workspace": "T", "channel": "C", "enabled": "yes",
           "timezone": "Mars/Base", "schedule": "every day", "filter": "author:kim"}  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        parse_delivery_config({"destinations": [raw]}, "paperbot.toml")
    lines = str(caught.value).splitlines()
    for key in ("enabled", "timezone", "schedule", "filter"):
        assert any(f"destinations[0].{key}" in line for line in lines), (key, lines)


def test_every_setting_the_readme_names_is_read() -> None:
    """README, Digests: schedule, timezone, filter, max_entries, layout, locale, enabled,
    backfill, empty_message."""
    raw = {
        **{"platform": "slack", "workspace": "T", "channel": "C", "schedule": "0 8 * * 1"},
        **{"timezone": "UTC", "filter": "tag:rl", "max_entries": 3, "layout": "inline"},
        **{"locale": "en", "enabled": False, "backfill": "none", "empty_message": True},
    }
    (read,) = parse_delivery_config({"destinations": [raw]}).destinations
    assert (read.schedule, read.destination.timezone, read.filter_text) == (
        "0 8 * * 1",
        "UTC",
        "tag:rl",
    )
    assert (read.max_entries, read.layout, read.destination.locale) == (3, Layout.INLINE, "en")
    assert (read.enabled, read.backfill, read.empty_message) == (False, Backfill.NONE, True)


def test_duplicate_destination_is_an_error() -> None:
    raw = {"platform": "slack", "workspace": "T", "channel": "C"}
    with pytest.raises(ConfigError, match="declared twice"):
        parse_delivery_config({"destinations": [raw, raw]})


def test_no_file_means_no_destinations_but_a_named_file_must_exist(tmp_path: Path) -> None:
    assert load_delivery_config(None).destinations == ()
    with pytest.raises(ConfigError, match=r"none\.toml: no such config file"):
        load_delivery_config(tmp_path / "none.toml")


def test_runs_in_flight_are_configurable_and_sized_from_the_pool_by_default() -> None:
    assert parse_delivery_config({}).max_parallel_runs is None  # the pool decides
    assert parse_delivery_config({"delivery": {"max_parallel_runs": 4}}).max_parallel_runs == 4
    with pytest.raises(ConfigError, match=r"paperbot.toml: delivery.max_parallel_runs"):
        parse_delivery_config({"delivery": {"max_parallel_runs": 0}}, "paperbot.toml")
