"""The process's Web API clients: every one on `SLACK_API_BASE_URL`, none retrying by itself.

slack_sdk's default retry handler repeats a request after a connection error; the delivery
ledger already retries with its own policy, so a second layer would double the attempts (and
hide them from the ledger). Tokens come from a `TokenSource`: one fixed bot token, or each
workspace's installation (OAuth).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["DEFAULT_API_BASE_URL", "ClientSource", "web_client"]

DEFAULT_API_BASE_URL = "https://slack.com/api/"
TIMEOUT_SECONDS = 10

ClientSource = Callable[[str], Awaitable[AsyncWebClient]]
"""A client holding the bot token of one workspace (team id)."""


def web_client(base_url: str, token: str | None = None) -> AsyncWebClient:
    """An `AsyncWebClient` on `base_url` with no retry handlers of its own."""
    return AsyncWebClient(
        token=token, base_url=base_url, timeout=TIMEOUT_SECONDS, retry_handlers=[]
    )
