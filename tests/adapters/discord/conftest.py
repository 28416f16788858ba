"""A running Discord stand-in per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.discord_bot import point_at
from tests.support.discord_standin import DiscordStandIn


@pytest.fixture
async def standin(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordStandIn]:
    fake = await DiscordStandIn().start()
    point_at(fake, monkeypatch)
    try:
        yield fake
    finally:
        await fake.stop()
