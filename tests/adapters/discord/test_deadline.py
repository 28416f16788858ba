"""The 3-second rule: the stand-in refuses a late first response as Discord does (10062), and
`/paper` defers a slow search (and a slow page turn) in time, so it still gets its answer.

"In time" is pinned as the mechanism, not a stopwatch: the slow core is held at a gate, and the
deferral must reach the stand-in while it is still held (`defer_after` is 1 s in production,
inside Discord's 3 s); the stand-in's own deadline is set far off so a loaded machine cannot
turn a correct deferral into a 10062."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.discord.client import ClientParts
from bot.app import App
from bot.commands.request import CommandRequest
from bot.ingest.importer import ingest_paths
from bot.replies import Reply
from tests.support.discord_bot import point_at, running
from tests.support.discord_paper import Bot, bot_parts, custom_ids, texts
from tests.support.discord_standin import LOADED_DEADLINE, DiscordStandIn

LOADED = LOADED_DEADLINE  # seconds: the stand-in's deadline here, only a bound on a loaded machine


async def test_a_first_response_after_the_deadline_is_refused_with_10062() -> None:
    standin = await DiscordStandIn(deadline=0.0).start()
    try:
        guild = standin.add_guild()
        standin.connections.append(_NoSocket())  # type: ignore[arg-type]
        interaction = await standin.interact(2, {}, channel_id=standin.guilds[guild][0])
        url = f"{standin.api_base}/interactions/{interaction.id}/{interaction.token}/callback"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json={"type": 5, "data": {"flags": 64}}) as response,
        ):
            assert response.status == 404
            assert json.loads(await response.text())["code"] == 10062
    finally:
        standin.connections.clear()
        await standin.stop()


class _NoSocket:
    """A gateway connection that swallows what is dispatched (no client in this test)."""

    session_id = "s"
    shard = (0, 1)
    seq = 0

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []  # what was dispatched (a resume replays them)

    class ws:
        closed = False

        @staticmethod
        async def send_str(_data: str) -> None:
            return None


async def test_a_slow_search_is_deferred_in_time_and_still_answered(
    app: App, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin = await DiscordStandIn(deadline=LOADED).start()
    point_at(standin, monkeypatch)
    try:
        await ingest_paths([seeds_dir], app.notes, app.clock)
        parts = bot_parts(app)
        fast = parts.services.handle
        gate = asyncio.Event()

        async def slow(request: CommandRequest) -> Reply:
            await gate.wait()  # a search that is not done until the test says so
            return await fast(request)

        services = replace(parts.services, handle=slow, defer_after=0.1)
        slowed = ClientParts(services, parts.hashes)
        guild = standin.add_guild()
        async with running(slowed) as client:
            bot = Bot(standin, slowed, standin.guilds[guild][0], client)
            asked = await bot.paper("tag:llm,alignment,benchmark")
            await standin.wait_for(lambda: asked.callbacks, LOADED)  # deferred, core still held
            assert not asked.complete and not gate.is_set()
            gate.set()
            answer = await bot.answered(asked)
            (forward,) = [c for c in custom_ids(answer) if c.startswith("paper:page:")]
            gate.clear()
            clicked = await bot.click(answer, forward)
            await standin.wait_for(lambda: clicked.callbacks, LOADED)
            assert not clicked.edits and not gate.is_set()
            gate.set()
            turned = await bot.answered(clicked)
        assert asked.callbacks == [{"type": 5, "data": {"flags": 64}}]
        assert len(asked.followups) == 1 and "llm" in texts(answer)
        assert clicked.callbacks == [{"type": 6}] and len(clicked.edits) == 1
        assert "2/" in texts(turned)
        assert all(r.status < 400 for r in standin.requests if "/interactions/" in r.path)
        assert standin.problems == []
    finally:
        await standin.stop()
