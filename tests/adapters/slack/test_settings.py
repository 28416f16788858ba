"""Turning Slack on: which variables, what half a configuration says, and nothing without them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from adapters.slack.settings import SlackMode, SlackSettings
from bot.errors import ConfigError
from bot.wiring.registry import configured_platforms
from tests.support.cli import run_cli

BASE = {"SLACK_SIGNING_SECRET": "s3cr3t", "SLACK_BOT_TOKEN": "xoxb-1-2-abc"}


def test_no_slack_variables_no_slack() -> None:
    assert SlackSettings.from_env({"HOME": "/root"}) is None
    assert configured_platforms({"HOME": "/root"}) == []


def test_one_workspace() -> None:
    settings = SlackSettings.from_env({**BASE, "SLACK_API_BASE_URL": "http://127.0.0.1:9/api/"})
    assert settings is not None and settings.mode is SlackMode.SINGLE
    assert settings.api_base_url == "http://127.0.0.1:9/api/" and not settings.socket_mode
    assert "s3cr3t" not in repr(settings) and "xoxb" not in repr(settings)
    (platform,) = configured_platforms(BASE)
    assert platform.platform.value == "slack"


def test_the_api_base_url_has_one_default() -> None:
    """Unset, the clients' base URL is the settings' one default; the clients keep no second
    copy that a change to the first could miss."""
    from adapters.slack import clients

    settings = SlackSettings.from_env(BASE)
    assert settings is not None and settings.api_base_url == "https://slack.com/api/"
    assert not hasattr(clients, "DEFAULT_API_BASE_URL")


def test_oauth_needs_the_secret_key() -> None:
    oauth = {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}
    with pytest.raises(ConfigError, match="PAPERBOT_SECRET_KEY"):
        SlackSettings.from_env(oauth)
    settings = SlackSettings.from_env({**oauth, "PAPERBOT_SECRET_KEY": "new, old"})
    assert settings is not None and settings.mode is SlackMode.OAUTH
    assert settings.secret_keys == ("new", "old")


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        (
            {"SLACK_SIGNING_SECRET": "s"},
            "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET)",
        ),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1"}, "SLACK_CLIENT_SECRET"),
        ({**BASE, "SLACK_CLIENT_ID": "1"}, "set one of the two"),
        ({**BASE, "SLACK_BOT_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN must start with 'xoxb-'"),
        ({**BASE, "SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN must start with 'xapp-'"),
        ({**BASE, "SLACK_API_BASE_URL": "slack.com/api"}, "SLACK_API_BASE_URL"),
        (
            {
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_CLIENT_ID": "1",
                "SLACK_CLIENT_SECRET": "c",
                "SLACK_APP_TOKEN": "xapp-1",
                "PAPERBOT_SECRET_KEY": "k",
            },
            "serves one workspace",
        ),
    ],
)
def test_half_a_configuration_names_what_is_missing(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SlackSettings.from_env(environ)
    assert named in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


async def test_a_slack_destination_without_credentials_stops_the_start(tmp_path: Path) -> None:
    config = tmp_path / "paperbot.toml"
    config.write_text('[[destinations]]\nplatform = "slack"\nworkspace = "T1"\nchannel = "C1"\n')
    result = await run_cli(
        "run", "--config", str(config), "--database-url", f"sqlite:///{tmp_path / 'db'}",
        env={"SLACK_SIGNING_SECRET": "", "SLACK_BOT_TOKEN": ""},
    )  # fmt: skip
    assert result.code == 2
    assert "destinations[0].platform" in result.err
    assert "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN" in result.err


def test_importing_the_wiring_does_not_load_slack_libraries() -> None:
    import subprocess

    code = (
        "import sys, bot.cli_run, bot.wiring.registry as r; "
        "assert r.configured_platforms({}) == []; "
        "print(sorted(m for m in sys.modules if m.startswith(('slack_bolt', 'slack_sdk'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_malformed_secret_key_stops_the_start() -> None:
    oauth = {
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "c",
        "PAPERBOT_SECRET_KEY": "not-a-fernet-key",
    }
    with pytest.raises(ConfigError, match="PAPERBOT_SECRET_KEY") as caught:
        configured_platforms(oauth)
    assert "not-a-fernet-key" not in str(caught.value)
