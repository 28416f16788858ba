"""Which Slack mode the environment asks for, read without I/O and without importing Bolt.

Slack is on when `SLACK_SIGNING_SECRET` is set with `SLACK_BOT_TOKEN` (one workspace) or with
`SLACK_CLIENT_ID` + `SLACK_CLIENT_SECRET` (OAuth, many workspaces; then `PAPERBOT_SECRET_KEY`
encrypts the stored tokens). `SLACK_APP_TOKEN` switches the inbound side to Socket Mode.
Half a configuration is an error naming what is missing, never a silent "Slack off".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import ConfigError

__all__ = [
    "CREDENTIALS_HINT",
    "DEFAULT_API_BASE_URL",
    "SLACK_VARIABLES",
    "SlackMode",
    "SlackSettings",
]

DEFAULT_API_BASE_URL = "https://slack.com/api/"
"""`SLACK_API_BASE_URL`'s default, the one definition (the clients get theirs from here)."""
DEFAULT_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
CREDENTIALS_HINT = (
    "set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET)"
)
SLACK_VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
)
BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:write",
    "reactions:read",
    "reactions:write",
    "users:read",
)
"""What the code calls: chat.postMessage/chat.update/chat.postEphemeral, /paper,
conversations.open (a person's DM), reaction events, reactions.add/remove (a tag menu's
numbers), users.info."""


class SlackMode(StrEnum):
    """One workspace with a fixed bot token, or many through OAuth installations."""

    SINGLE = "single"
    OAUTH = "oauth"


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """The Slack part of the environment. `repr` hides every secret."""

    mode: SlackMode
    signing_secret: str
    bot_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    app_token: str = ""
    secret_keys: tuple[str, ...] = ()
    api_base_url: str = DEFAULT_API_BASE_URL
    authorize_url: str = DEFAULT_AUTHORIZE_URL

    def __repr__(self) -> str:
        socket = ", socket mode" if self.app_token else ""
        return f"SlackSettings({self.mode.value}{socket}, api {self.api_base_url})"

    @property
    def socket_mode(self) -> bool:
        """Inbound over Socket Mode (`SLACK_APP_TOKEN`) instead of HTTP."""
        return bool(self.app_token)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SlackSettings | None:
        """None when no Slack variable is set.

        Raises:
            ConfigError: naming the variables missing or malformed.
        """
        get = {name: environ.get(name, "").strip() for name in SLACK_VARIABLES}
        if not any(get.values()):
            return None
        secret, token = get["SLACK_SIGNING_SECRET"], get["SLACK_BOT_TOKEN"]
        client_id, client_secret = get["SLACK_CLIENT_ID"], get["SLACK_CLIENT_SECRET"]
        if token and (client_id or client_secret):
            raise ConfigError(
                "SLACK_BOT_TOKEN is for one workspace, SLACK_CLIENT_ID/SLACK_CLIENT_SECRET for "
                "OAuth: set one of the two"
            )
        missing = [] if secret else ["SLACK_SIGNING_SECRET"]
        if not token:
            if client_id or client_secret:
                missing += [n for n in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if not get[n]]
            else:
                missing.append("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET)")
        if missing:
            raise ConfigError(f"Slack is half configured: set {' and '.join(missing)}")
        _prefixed("SLACK_BOT_TOKEN", token, "xoxb-")
        _prefixed("SLACK_APP_TOKEN", get["SLACK_APP_TOKEN"], "xapp-")
        mode = SlackMode.SINGLE if token else SlackMode.OAUTH
        if mode is SlackMode.OAUTH and get["SLACK_APP_TOKEN"]:
            raise ConfigError(
                "SLACK_APP_TOKEN (Socket Mode) serves one workspace: use it with SLACK_BOT_TOKEN, "
                "or drop it and serve OAuth's many workspaces over HTTP"
            )
        keys = tuple(
            k.strip() for k in environ.get("PAPERBOT_SECRET_KEY", "").split(",") if k.strip()
        )
        if mode is SlackMode.OAUTH and not keys:
            raise ConfigError(
                "PAPERBOT_SECRET_KEY is not set: Slack OAuth stores each workspace's token "
                "encrypted with it (a Fernet key: python -c 'from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())')"
            )
        return cls(
            mode=mode,
            signing_secret=secret,
            bot_token=token,
            client_id=client_id,
            client_secret=client_secret,
            app_token=get["SLACK_APP_TOKEN"],
            secret_keys=keys,
            api_base_url=_url("SLACK_API_BASE_URL", environ, DEFAULT_API_BASE_URL),
            authorize_url=_url("SLACK_AUTHORIZE_URL", environ, DEFAULT_AUTHORIZE_URL),
        )


def _prefixed(name: str, value: str, prefix: str) -> None:
    if value and not value.startswith(prefix):
        raise ConfigError(f"{name} must start with {prefix!r} (got a token of another kind)")


def _url(name: str, environ: Mapping[str, str], default: str) -> str:
    value = environ.get(name, "").strip() or default
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"{name}: {value!r} is not an http(s) URL")
    return value
