"""`DiscordPlatform` as `paperbot run` drives it (route before delivery, start, checks, stop):
a login Discord cannot answer is retried; a refused token fails digests saying so."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App, open_app, paper_command
from bot.commands.reactions import ReactionHandler
from bot.delivery.policy import RetryPolicy
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery, build_delivery, parallel_runs_for
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, Platform
from bot.scheduling.shards import shard_claim
from bot.wiring import PlatformContext
from bot.wiring.discord import CLOSE_GRACE_SECONDS, DiscordPlatform, DiscordSettings
from tests.support.discord_standin import DiscordStandIn
from tests.support.real_delivery import Entry, ingest, write_notes


@asynccontextmanager
async def started(
    app: App, standin: DiscordStandIn
) -> AsyncIterator[tuple[DiscordPlatform, Delivery]]:
    settings = DiscordSettings("test-token.abc", standin.api_base, standin.gateway_url)
    platform = DiscordPlatform(settings, login_backoff=0.01)
    metrics = PrometheusMetrics()
    delivery = build_delivery(
        app.engine, routes={Platform.DISCORD: platform.route(app)}, clock=app.clock,
        notes=app.notes, policy=RetryPolicy(max_attempts=1, rng=random.Random(1)),
    )  # fmt: skip
    context = PlatformContext(
        app, paper_command(app), delivery, ReactionHandler(delivery.ledger, metrics), metrics
    )
    await platform.start(context)
    try:
        yield platform, delivery
    finally:
        await platform.stop()


def destination(standin: DiscordStandIn) -> DestinationSettings:
    guild = standin.add_guild()
    where = Destination(Platform.DISCORD, guild, standin.guilds[guild][0], locale="en")
    return DestinationSettings(destination=where, backfill=Backfill.ALL)


async def test_a_login_discord_did_not_answer_is_retried(
    app: App, standin: DiscordStandIn, tmp_path: Path
) -> None:
    standin.fail_next("GET", "/users/@me", 503, times=2)
    async with started(app, standin) as (platform, delivery):
        write_notes(tmp_path, [Entry("Reward Models Under Pressure")])
        await ingest(tmp_path, delivery)
        settings = destination(standin)
        assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
        await standin.wait_for(lambda: standin.identifies)
        assert [r.status for r in standin.sent("GET", "/users/@me")] == [503, 503, 200]
        assert platform.client is not None
        await asyncio.wait_for(platform.client.wait_until_ready(), 30)
        assert await platform.checks()["discord"]()
    assert platform.client is not None and platform.client.is_closed()


async def test_a_refused_token_fails_digests_saying_so(
    app: App, standin: DiscordStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    standin.fail_next("GET", "/users/@me", 401)
    async with started(app, standin) as (platform, delivery):
        write_notes(tmp_path, [Entry("Reward Models Under Pressure")])
        await ingest(tmp_path, delivery)
        settings = destination(standin)
        assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
        assert not await platform.checks()["discord"]()
        assert (await delivery.destinations.state(settings.key)).consecutive_failures == 1
        failed = [r.getMessage() for r in caplog.records if r.name == "bot.delivery.runner"]
        assert any("Discord refused DISCORD_BOT_TOKEN (401)" in line for line in failed)
    assert standin.identifies == []


async def test_stop_does_not_wait_for_a_login_backoff(app: App, standin: DiscordStandIn) -> None:
    standin.fail_next("GET", "/users/@me", 503, times=100)
    settings = DiscordSettings("test-token.abc", standin.api_base, standin.gateway_url)
    platform = DiscordPlatform(settings, login_backoff=3600)
    metrics = PrometheusMetrics()
    delivery = build_delivery(
        app.engine, routes={Platform.DISCORD: platform.route(app)}, clock=app.clock,
        notes=app.notes,
    )  # fmt: skip
    context = PlatformContext(
        app, paper_command(app), delivery, ReactionHandler(delivery.ledger, metrics), metrics
    )
    await platform.start(context)
    await standin.wait_for(lambda: standin.sent("GET", "/users/@me"))
    async with asyncio.timeout(CLOSE_GRACE_SECONDS + 5):
        await platform.stop()


async def test_the_shard_claims_pool_connection_is_left_out_of_the_runs_bound(
    postgres_url: str, sqlite_url: str
) -> None:
    settings = DiscordSettings("test-token.abc", "http://127.0.0.1:9", "ws://127.0.0.1:9")
    platform = DiscordPlatform(settings)
    async with open_app(postgres_url) as app:
        claim = shard_claim(app.engine, [0], 1)
        assert claim is not None and await claim.try_claim()
        try:  # the claim's session is one of the engine's pool, the one delivery draws from
            assert app.engine.pool.checkedout() == platform.kept_connections(app) == 1  # type: ignore[attr-defined]
        finally:
            await claim.release()
        delivery = build_delivery(app.engine, routes={}, clock=app.clock, kept_connections=1)
        assert delivery.parallel == parallel_runs_for(app.engine) - 4  # 4 runs per connection
    async with open_app(sqlite_url) as app:
        assert platform.kept_connections(app) == 0  # no claim: one process runs its shards
