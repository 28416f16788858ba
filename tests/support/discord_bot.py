"""The real discord.py client with paperbot's parts, pointed at the stand-in, in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest

from adapters.discord.client import ClientParts, build_client
from adapters.discord.endpoints import Endpoints, apply_endpoints
from adapters.discord.paper import PaperServices
from adapters.discord.suggest import Corpus, Suggestions
from bot.models import Reaction
from tests.support.discord_standin import DiscordStandIn

TOKEN = "test-token.abc"


@dataclass
class MemoryHashes:
    """Command hashes kept in a dict (the SQL store is tested on its own)."""

    stored: dict[str, str] = field(default_factory=dict)

    async def get(self, scope: str) -> str | None:
        return self.stored.get(scope)

    async def put(self, scope: str, payload_hash: str) -> None:
        self.stored[scope] = payload_hash


@dataclass
class Reactions:
    """What reached the core's reaction entry point."""

    seen: list[Reaction] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, reaction: Reaction) -> None:
        self.seen.append(reaction)
        self.arrived.set()


def point_at(standin: DiscordStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py's class attributes to the stand-in, restored after the test."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    apply_endpoints(Endpoints(standin.api_base, standin.gateway_url))


def no_services() -> PaperServices:
    async def handle(_request: Any) -> Any:
        raise AssertionError("no /paper expected")

    async def empty() -> Corpus:
        return Corpus()

    return PaperServices(handle, lambda reply: reply, Suggestions(empty))


@contextlib.asynccontextmanager
async def running(parts: ClientParts, **client_options: Any) -> AsyncIterator[discord.Client]:
    """The client logged in and connected (READY seen); closed afterwards."""
    client = build_client(parts, guild_ready_timeout=0.1, **client_options)

    async def before_identify(_shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s between IDENTIFYs of shards

    client.before_identify_hook = before_identify  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(TOKEN))
    try:
        async with asyncio.timeout(30):
            waiting = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                waiting.cancel()
                task.result()  # the client failed: raise why
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task
