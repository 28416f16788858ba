"""A Discord channel paused by a permanent error keeps Discord's code (with the action whose
permissions a 403 asks for), so `/paper channel show` says Discord's advice again in the
reader's language, the channel as a mention and the permissions as code spans (over discord.py
to the stand-in, the real store on both engines)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
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
from bot.errors import DeliveryError
from bot.models import Destination, ErrorCode, Layout, Platform
from bot.payloads import DiscordPayload
from bot.replies import MessageView, Reply
from formatters.discord_embeds import DiscordRenderer
from tests.formatters.language import foreign_words
from tests.formatters.renderers import RENDERERS
from tests.support.clock import FixedClock
from tests.support.discord_bot import MemoryHashes, no_services, running
from tests.support.discord_standin import (
    CHANNEL_FORUM,
    REQUIRE_TAG,
    Channel,
    DiscordStandIn,
    snowflake,
)
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


TAGS = [{"id": "800000000000000001", "name": "robotics", "moderated": False}]


@pytest.mark.parametrize(
    ("locale", "says"),
    [
        ("en", "add one of the forum's tags to a paper's hashtags, or make tags optional"),
        ("ko", "포럼의 태그 하나를 논문의 해시태그에 넣거나, 포럼 설정에서 태그를 필수가 아니게"),
    ],
)
async def test_a_forum_that_requires_a_tag_none_matches_says_what_to_do(
    wired: Wire, standin: DiscordStandIn, locale: str, says: str
) -> None:
    """Discord refuses a post without a tag in such a forum (40067): no retry changes that."""
    forum = Channel(snowflake(), None, CHANNEL_FORUM, "papers", TAGS, flags=REQUIRE_TAG)
    guild = standin.add_guild(None, forum)
    settings = _settings(guild, forum.id)
    delivery = wired(settings)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
    assert len(standin.sent("POST", rf"/channels/{forum.id}/threads")) == 1  # not retried
    (run,) = await delivery.ledger.recent_runs()
    assert run.error is not None and "A tag is required" in run.error
    state = await delivery.destinations.state(settings.key)
    assert state.paused and state.pause_code == ErrorCode("40067")
    shown = await _shown(delivery, settings, locale)
    assert says in shown and f"<#{forum.id}> ({forum.id})" in shown, shown


@pytest.mark.parametrize(
    ("locale", "says"),
    [
        ("en", "is archived and locked, so paperbot cannot reopen it: unlock it"),
        ("ko", "스레드가 보관되고 잠겨 있어 봇이 다시 열 수 없습니다: 스레드 잠금을 풀거나"),
    ],
)
async def test_a_locked_archived_thread_says_to_unlock_it(
    wired: Wire, standin: DiscordStandIn, tmp_path: Path, locale: str, says: str
) -> None:
    """An inline digest goes into the forum's last post; a moderator closed and locked that
    post, which a bot without Manage Threads cannot reopen (Discord: 403 / 50083)."""
    forum = Channel(snowflake(), None, CHANNEL_FORUM, "papers", TAGS)
    guild = standin.add_guild(None, forum)
    settings = replace(_settings(guild, forum.id), layout=Layout.INLINE)
    delivery = wired(settings)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
    (post,) = standin.threads
    standin.channels[post["thread"]].archived = standin.channels[post["thread"]].locked = True
    write_notes(tmp_path, [Entry("Agents That Plan", tags=("agents",))])
    await ingest(tmp_path, delivery)
    assert await delivery.runner.run(settings, "slot:2") is RunOutcome.FAILED
    state = await delivery.destinations.state(settings.key)
    assert state.paused and state.pause_code == ErrorCode("50083", post["thread"])
    shown = await _shown(delivery, settings, locale)
    assert says in shown and f"<#{post['thread']}> ({post['thread']})" in shown, shown
    assert "`Manage Threads`" in shown, shown


async def test_a_correction_in_a_locked_thread_is_refused_saying_to_unlock_it(
    app: App, standin: DiscordStandIn
) -> None:
    """Unarchiving to edit (what an archived thread needs) is refused in a locked one: the edit
    fails permanently as Thread is locked, with the advice, after one try to reopen it."""
    parts = ClientParts(no_services(), MemoryHashes())
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    async with running(parts) as client:
        transport = DiscordTransport(lambda: client.http, parts.logged_in)
        where = Destination(Platform.DISCORD, guild, channel, name="papers", locale="en")
        header = await transport.post(where, DiscordPayload(content="papers", thread_name="d"))
        thread = standin.channels[header.message_id]
        reply = await transport.post(where, DiscordPayload(content="a paper"), thread=header)
        thread.archived = thread.locked = True
        with pytest.raises(DeliveryError) as refused:
            await transport.edit(reply, DiscordPayload(content="a corrected paper"))
    error = refused.value
    assert not error.retryable and error.code == "160005", error
    assert f"thread <#{thread.id}> (id {thread.id}) is archived and locked" in str(error)
    assert "grant paperbot Manage Threads there" in str(error)
    assert [r.status for r in standin.sent("PATCH", rf"/channels/{thread.id}")] == [403]
    assert error.advice is not None
