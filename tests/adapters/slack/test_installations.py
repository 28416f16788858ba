"""Installations in our database: tokens encrypted at rest, readable across a key rotation,
refreshed when they rotate, and a workspace without one refused with what to do."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from adapters.slack.clients import installed_client
from adapters.slack.installations import EncryptedInstallationStore, TokenCipher
from adapters.slack.transport import SlackTransport
from bot.app import App
from bot.errors import ConfigError, DeliveryError
from bot.models import Destination, Platform
from bot.payloads import SlackPayload
from tests.support.slack_api import SlackApi, slack_api

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN = "xoxb-rotating-0001"


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        yield api


def _installation(team: str, token: str, **extra: object) -> Installation:
    return Installation(
        app_id="A1",
        team_id=team,
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        user_id="UINSTALLER",
        installed_at=time.time(),
        **extra,  # type: ignore[arg-type]
    )


async def test_tokens_are_encrypted_and_survive_a_key_rotation(app: App) -> None:
    before = EncryptedInstallationStore("1.2", app.engine, TokenCipher([OLD]))
    await before.async_save(_installation("T1", TOKEN))
    async with app.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT bot_token FROM slack_bots"))).scalar_one()
        installed = await conn.execute(text("SELECT bot_token FROM slack_installations"))
    assert TOKEN not in stored and TOKEN not in installed.scalar_one()
    rotated = EncryptedInstallationStore("1.2", app.engine, TokenCipher([NEW, OLD]))
    bot = await rotated.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == TOKEN
    found = await rotated.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == TOKEN
    forgotten = EncryptedInstallationStore("1.2", app.engine, TokenCipher([NEW]))
    with pytest.raises(ConfigError, match="list the key it was stored with"):
        await forgotten.async_find_bot(enterprise_id=None, team_id="T1")


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # slack_sdk's
async def test_an_expiring_token_is_refreshed_before_a_digest(app: App, api: SlackApi) -> None:
    ws = api.workspace("T1", "xoxe.xoxb-1-fresh")
    api.refresh_tokens["xoxe-1-refresh-one"] = (ws, "xoxe-1-refresh-two")
    store = EncryptedInstallationStore("1.2", app.engine, TokenCipher([NEW]))
    expiring = _installation(
        "T1", "xoxe.xoxb-1-stale", bot_refresh_token="xoxe-1-refresh-one", bot_token_expires_in=60
    )
    await store.async_save(expiring)

    async def clients(workspace: str):  # type: ignore[no-untyped-def]
        return await installed_client(
            store, workspace, base_url=api.base_url, client_id="1.2", client_secret="shh"
        )

    payload = SlackPayload(text="hi", blocks=())
    await SlackTransport(clients).post(Destination(Platform.SLACK, "T1", "C1"), payload)
    (refresh,) = api.called("oauth.v2.access")
    assert refresh.args["grant_type"] == "refresh_token"
    assert refresh.args["client_id"] == "1.2" and refresh.args["client_secret"] == "shh"
    (post,) = api.called("chat.postMessage")
    assert post.token == "xoxe.xoxb-1-fresh"
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_refresh_token == "xoxe-1-refresh-two"


async def test_a_workspace_without_an_installation_is_refused_permanently(
    app: App, api: SlackApi
) -> None:
    store = EncryptedInstallationStore("1.2", app.engine, TokenCipher([NEW]))
    with pytest.raises(DeliveryError) as caught:
        await installed_client(
            store, "T404", base_url=api.base_url, client_id="1", client_secret="s"
        )
    assert not caught.value.retryable and caught.value.code == "not_installed"
    assert "Slack workspace T404 has not installed paperbot" in str(caught.value)
    assert "/slack/install" in str(caught.value)
