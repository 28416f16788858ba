"""The app manifests ask for what the code uses: its scopes, `/paper`, its events, one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack.bolt import EVENTS_PATH, REDIRECT_PATH
from adapters.slack.listeners import COMMAND
from adapters.slack.settings import BOT_SCOPES

CONFIG = Path(__file__).resolve().parents[3] / "config"
EVENTS = ["reaction_added", "reaction_removed", "app_uninstalled", "tokens_revoked"]


def _manifest(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CONFIG / name).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", ["slack-manifest.yaml", "slack-manifest-socket.yaml"])
def test_scopes_command_and_events(name: str) -> None:
    manifest = _manifest(name)
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert BOT_SCOPES == (
        "chat:write",
        "commands",
        "im:write",
        "reactions:read",
        "reactions:write",
        "users:read",
    )
    assert "user" not in manifest["oauth_config"]["scopes"]
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == EVENTS
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_http_mode_uses_one_request_url() -> None:
    manifest = _manifest("slack-manifest.yaml")
    settings = manifest["settings"]
    urls = {
        manifest["features"]["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert urls == {f"https://paperbot.example.com{EVENTS_PATH}"}
    assert manifest["oauth_config"]["redirect_urls"] == [
        f"https://paperbot.example.com{REDIRECT_PATH}"
    ]
    assert settings["socket_mode_enabled"] is False


def test_socket_mode_has_no_request_urls() -> None:
    manifest = _manifest("slack-manifest-socket.yaml")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
