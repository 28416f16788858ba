"""A Discord channel paused by a permanent error keeps Discord's code (with the action whose
permissions a 403 asks for), so `/paper channel show` says Discord's advice again in the
reader's language, the channel as a mention and the permissions as code spans (over discord.py
to the stand-in, the real store on both engines)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from adapters.discord.client import ClientParts
from adapters.discord.errors import advice_for
from adapters.discord.transport import DiscordTransport
from bot.app import App
from bot.commands.channel import ChannelCommands, CommandContext
from bot.delivery.config import DeliveryConfig
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, ErrorCode, Platform
from bot.replies import MessageView, Reply
from formatters.discord_embeds import DiscordRenderer
from tests.formatters.language import foreign_words
from tests.formatters.renderers import RENDERERS
from tests.support.clock import FixedClock
from tests.support.discord_bot import MemoryHashes, no_services, running
from tests.support.discord_standin import DiscordStandIn
from tests.support.mentions import discord_mentions
from tests.support.real_delivery import Entry, ingest, write_notes
from tests.support.sleep import VirtualSleep

Wire = Callable[[DestinationSettings], Delivery]


@pytest.fixture
async def wired(
    app: App, clock: FixedClock, tmp_path: Path, standin: DiscordStandIn
) -> AsyncIterator[Wire]:
    """A delivery to one Discord channel, paused at its first permanent failure."""
    parts = ClientParts(no_services(), MemoryHashes())
    write_notes(tmp_path, [Entry("Reward Models Under Pressure", tags=("rlhf",))])
    async with running(parts) as client:
        transport = DiscordTransport(lambda: client.http, parts.logged_in)

        def wire(settings: DestinationSettings) -> Delivery:
            return build_delivery(
                app.engine,
                routes={Platform.DISCORD: Route(DiscordRenderer(), transport, advice_for)},
                clock=clock,
                sleep=VirtualSleep(clock),
                policy=RetryPolicy(max_attempts=2, rng=random.Random(1)),
                config=DeliveryConfig(destinations=(settings,), pause_after_failures=1),
                notes=app.notes,
            )

        await ingest(tmp_path, wire(_settings("0", "0")))
        yield wire


def _settings(guild: str, channel: str) -> DestinationSettings:
    where = Destination(Platform.DISCORD, guild, channel, name="papers", locale="en")
    return DestinationSettings(destination=where, backfill=Backfill.ALL)


async def _shown(delivery: Delivery, settings: DestinationSettings, locale: str) -> str:
    admin = CommandContext(settings.destination, "1", platform_admin=True)
    result = await ChannelCommands(delivery).show(admin)
    reply = Reply(MessageView(lines=result.lines), locale=locale)
    payload = RENDERERS[Platform.DISCORD].render_reply(reply).to_json()
    description: str = payload["embeds"][0]["description"]
    return description


@pytest.mark.parametrize(
    ("locale", "says"),
    [
        ("ko", r"일시 중지됨 \[50013\]: 봇에게 <#{c}> ({c}) 채널의 권한이 부족합니다"),
        ("en", r"PAUSED \[50013\]: paperbot lacks permissions in <#{c}> ({c})"),
    ],
    ids=["ko", "en"],
)
async def test_show_says_the_permissions_posting_needs_in_the_readers_language(
    wired: Wire, standin: DiscordStandIn, locale: str, says: str
) -> None:
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.channels[channel].missing_permission = True
    settings = _settings(guild, channel)
    delivery = wired(settings)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
    state = await delivery.destinations.state(settings.key)
    assert state.paused and state.pause_code == ErrorCode("50013", "post")
    shown = await _shown(delivery, settings, locale)
    assert says.format(c=channel) in shown, shown
    assert "`View Channel`, `Send Messages`, `Embed Links`" in shown, shown
    assert discord_mentions(shown) == ["<#1"]
    line = next(x for x in shown.splitlines() if "50013" in x)
    words = line.replace(r"\[50013\]", "").replace(f"<#{channel}> ({channel})", "")
    assert foreign_words(words, locale) == []


async def test_a_failed_thread_start_asks_for_the_thread_permission_when_shown(
    wired: Wire, standin: DiscordStandIn
) -> None:
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.fail_next("POST", rf"/channels/{channel}/messages/\d+/threads", 403, code=50013)
    settings = _settings(guild, channel)
    delivery = wired(settings)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
    state = await delivery.destinations.state(settings.key)
    assert state.pause_code == ErrorCode("50013", "thread")
    shown = await _shown(delivery, settings, "ko")
    assert "`Create Public Threads` 권한을 주세요" in shown, shown


async def test_a_deleted_channel_is_named_in_the_readers_language(
    wired: Wire, standin: DiscordStandIn
) -> None:
    guild = standin.add_guild()
    settings = _settings(guild, "123456789012345678")  # no such channel: 10003
    delivery = wired(settings)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
    state = await delivery.destinations.state(settings.key)
    assert state.pause_code == ErrorCode("10003")
    shown = await _shown(delivery, settings, "ko")
    assert "디스코드에 <#123456789012345678> (123456789012345678) 채널이 없거나" in shown, shown
    assert "Unknown Channel" not in shown
