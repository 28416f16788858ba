"""A running Discord stand-in per test (its 3 s interaction deadline far off: a loaded machine
is slow, not wrong; `test_deadline.py` pins the deadline itself)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.ingest.importer import ingest_paths
from tests.support.discord_bot import point_at, running
from tests.support.discord_paper import Bot, bot_parts
from tests.support.discord_standin import LOADED_DEADLINE, DiscordStandIn


@pytest.fixture
async def standin(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordStandIn]:
    fake = await DiscordStandIn(deadline=LOADED_DEADLINE).start()
    point_at(fake, monkeypatch)
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bot(app: App, seeds_dir: Path, standin: DiscordStandIn) -> AsyncIterator[Bot]:
    """The client over the seed notes, connected, in a guild with one text channel."""
    await ingest_paths([seeds_dir], app.notes, app.clock)
    guild = standin.add_guild()
    parts = bot_parts(app)
    async with running(parts) as client:
        yield Bot(standin, parts, standin.guilds[guild][0], client)
    assert standin.problems == []
