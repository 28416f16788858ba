"""The process's Web API clients: every one on `SLACK_API_BASE_URL`, none retrying by itself.

slack_sdk's default retry handler repeats a request after a connection error; the delivery
ledger already retries with its own policy, so a second layer would double the attempts (and
hide them from the ledger). Tokens come from a `TokenSource`: one fixed bot token, or each
workspace's installation (OAuth).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import not_installed

__all__ = ["ClientSource", "installed_client", "web_client"]

TIMEOUT_SECONDS = 10
ROTATE_MINUTES = 120

ClientSource = Callable[[str], Awaitable[AsyncWebClient]]
"""A client holding the bot token of one workspace (team id)."""


def web_client(base_url: str, token: str | None = None) -> AsyncWebClient:
    """An `AsyncWebClient` on `base_url` with no retry handlers of its own."""
    return AsyncWebClient(
        token=token, base_url=base_url, timeout=TIMEOUT_SECONDS, retry_handlers=[]
    )


async def installed_client(
    store: AsyncInstallationStore,
    workspace: str,
    *,
    base_url: str,
    client_id: str,
    client_secret: str,
) -> AsyncWebClient:
    """A client with `workspace`'s own bot token, refreshed first when it rotates and expires
    within two hours (Bolt refreshes only for incoming requests; digests go out unprompted).

    Raises:
        DeliveryError: the workspace has no installation (`not_installed`, permanent: install
            the app).
    """
    bot = await store.async_find_bot(enterprise_id=None, team_id=workspace)
    if bot is None:
        raise not_installed(workspace)
    if bot.bot_refresh_token:
        rotator = AsyncTokenRotator(
            client_id=client_id, client_secret=client_secret, client=web_client(base_url)
        )
        refreshed = await rotator.perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=ROTATE_MINUTES
        )
        if refreshed is not None:
            await store.async_save_bot(refreshed)
            bot = refreshed
    return web_client(base_url, bot.bot_token)
