"""Slack installations in our database, every token encrypted at rest.

slack_sdk's `AsyncSQLAlchemyInstallationStore` keeps tokens in plain text; the wrapper
`EncryptedInstallationStore` Fernet-encrypts them with the first of the `PAPERBOT_SECRET_KEY`
keys before a save and decrypts them with any of them after a find (`MultiFernet`), so a key is
rotated by listing the new one first and the old one after it. The tables come from our
migration (`0008_slack`), never from `create_tables`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from logging import Logger, getLogger
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import ConfigError

__all__ = ["EncryptedInstallationStore", "TokenCipher"]

log = getLogger(__name__)

INSTALLATION_SECRETS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)
BOT_SECRETS = ("bot_token", "bot_refresh_token")

T = TypeVar("T", Installation, Bot)


class TokenCipher:
    """Fernet with key rotation: encrypt with the first key, decrypt with any."""

    def __init__(self, keys: Sequence[str]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                "PAPERBOT_SECRET_KEY: each comma-separated key must be a Fernet key "
                "(32 url-safe base64 bytes, from Fernet.generate_key())"
            ) from exc

    def encrypt(self, value: str) -> str:
        """The token as stored."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        """The token as Slack issued it.

        Raises:
            ConfigError: no listed key decrypts it (the key that encrypted it was removed).
        """
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ConfigError(
                "a stored Slack token cannot be decrypted with any PAPERBOT_SECRET_KEY key: "
                "list the key it was stored with after the new one"
            ) from exc


def _with(obj: T, fields: Sequence[str], change: Any) -> T:
    copied = copy.copy(obj)
    for name in fields:
        value = getattr(copied, name, None)
        if value:
            setattr(copied, name, change(value))
    return copied


class EncryptedInstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy store on our engine, tokens encrypted."""

    def __init__(self, client_id: str, engine: AsyncEngine, cipher: TokenCipher) -> None:
        self._store = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)
        self._cipher = cipher

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self._store.async_save(
            _with(installation, INSTALLATION_SECRETS, self._cipher.encrypt)
        )

    async def async_save_bot(self, bot: Bot) -> None:
        await self._store.async_save_bot(_with(bot, BOT_SECRETS, self._cipher.encrypt))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self._store.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if found is None else _with(found, BOT_SECRETS, self._cipher.decrypt)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self._store.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        if found is None:
            return None
        return _with(found, INSTALLATION_SECRETS, self._cipher.decrypt)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._store.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
