"""The gateway side: raw reactions reach the core's entry point, a dropped connection RESUMEs,
and two processes each run one of two shards."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.models import MessageRef, Platform, Reaction
from tests.support.discord_bot import running
from tests.support.discord_paper import Bot, bot_parts, texts
from tests.support.discord_standin import (
    BOT_ID,
    CHANNEL_PUBLIC_THREAD,
    Channel,
    DiscordStandIn,
    snowflake,
)

GATEWAY = "paperbot_discord_gateway_total"


def reaction(bot: Bot, message_id: str, user_id: str, emoji: dict[str, Any]) -> dict[str, Any]:
    guild = bot.standin.channels[bot.channel].guild_id
    return {
        "user_id": user_id,
        "channel_id": bot.channel,
        "message_id": message_id,
        "guild_id": guild,
        "emoji": emoji,
        "burst": False,
        "type": 0,
        "message_author_id": BOT_ID,
    }


async def next_reaction(bot: Bot) -> Reaction:
    async with asyncio.timeout(30):
        await bot.reactions.arrived.wait()
    bot.reactions.arrived.clear()
    return bot.reactions.seen[-1]


async def test_reactions_on_uncached_messages_reach_the_core(bot: Bot) -> None:
    guild = bot.standin.channels[bot.channel].guild_id
    message = snowflake()  # never seen by this client: raw events only
    thumbs = {"id": None, "name": "👍\ufe0f"}
    await bot.standin.dispatch("MESSAGE_REACTION_ADD", reaction(bot, message, "42", thumbs), guild)
    seen = await next_reaction(bot)
    assert seen == Reaction(MessageRef(Platform.DISCORD, str(guild), bot.channel, message),
                            "42", "👍", added=True)  # fmt: skip
    custom = {"id": "1234567890", "name": "paperparrot"}
    await bot.standin.dispatch(
        "MESSAGE_REACTION_REMOVE", reaction(bot, message, "42", custom), guild
    )
    removed = await next_reaction(bot)
    assert (removed.user, removed.emoji, removed.added) == ("42", "1234567890", False)


async def test_a_reaction_in_a_thread_names_its_parent_channel_and_the_thread(bot: Bot) -> None:
    guild = bot.standin.channels[bot.channel].guild_id
    thread = Channel(snowflake(), guild, CHANNEL_PUBLIC_THREAD, "notes", parent_id=bot.channel)
    bot.standin.channels[thread.id] = thread  # not in the client's cache: read once by REST
    message = snowflake()
    event = {**reaction(bot, message, "42", {"id": None, "name": "🔔"}), "channel_id": thread.id}
    for _ in range(2):
        await bot.standin.dispatch("MESSAGE_REACTION_ADD", event, guild)
        seen = await next_reaction(bot)
        ref = MessageRef(Platform.DISCORD, str(guild), bot.channel, message)
        assert seen == Reaction(ref, "42", "🔔", added=True, thread=thread.id)
    assert len(bot.standin.sent("GET", rf"/channels/{thread.id}")) == 1  # the parent is kept


async def test_the_bots_own_reactions_are_ignored(bot: Bot) -> None:
    guild = bot.standin.channels[bot.channel].guild_id
    message = snowflake()
    star = {"id": None, "name": "⭐"}
    await bot.standin.dispatch("MESSAGE_REACTION_ADD", reaction(bot, message, BOT_ID, star), guild)
    await bot.standin.dispatch("MESSAGE_REACTION_ADD", reaction(bot, message, "43", star), guild)
    assert (await next_reaction(bot)).user == "43"
    assert [seen.user for seen in bot.reactions.seen] == ["43"]


async def test_a_dropped_gateway_resumes_its_session_and_keeps_answering(bot: Bot) -> None:
    metrics = bot.parts.metrics = PrometheusMetrics()
    first = bot.standin.connections[0]
    await bot.standin.drop(4000)
    resumed = await bot.standin.wait_for(
        lambda: next((c for c in bot.standin.connections if c.resumed), None)
    )
    resume = next(f for f in resumed.frames if f["op"] == 6)
    assert resume["d"]["session_id"] == first.session_id and resume["d"]["token"]
    assert len(bot.standin.identifies) == 1  # resumed, not a new session
    answer = await bot.answered(await bot.paper("tag:rlhf"))
    assert "rlhf" in texts(answer)
    counted = {e: metrics.sample(GATEWAY, event=e) for e in ("connect", "disconnect", "resume")}
    assert counted == {"connect": 0, "disconnect": 1, "resume": 1}


async def test_two_processes_each_run_one_of_two_shards(
    app: App, standin: DiscordStandIn, seeds_dir: Any
) -> None:
    from bot.ingest.importer import ingest_paths

    await ingest_paths([seeds_dir], app.notes, app.clock)
    base = int(snowflake())
    even = str(base - (base >> 22) % 2 * (1 << 22))  # (id >> 22) % 2 == 0: shard 0
    odd = str(int(even) + (1 << 22))  # shard 1
    standin.add_guild(even)
    standin.add_guild(odd)
    one, two = bot_parts(app), bot_parts(app)
    async with (
        running(one, shard_count=2, shard_ids=[0]) as first,
        running(two, shard_count=2, shard_ids=[1]) as second,
    ):
        assert sorted(tuple(i["shard"]) for i in standin.identifies) == [(0, 2), (1, 2)]
        assert [str(g.id) for g in first.guilds] == [even]
        assert [str(g.id) for g in second.guilds] == [odd]
        for guild, client in ((even, first), (odd, second)):
            bot = Bot(standin, one if client is first else two, standin.guilds[guild][0], client)
            assert "rlhf" in texts(await bot.answered(await bot.paper("tag:rlhf")))
    assert standin.problems == []


async def test_auto_takes_the_count_from_discord_and_keeps_the_configured_gateway(
    app: App, standin: DiscordStandIn
) -> None:
    """DISCORD_SHARD_COUNT=auto with DISCORD_GATEWAY_URL set: `/gateway/bot` says how many
    shards (2 here), and the shards still connect where the variable points, not to the
    gateway that answer names (here a port nothing listens on)."""
    base = int(snowflake())
    even = str(base - (base >> 22) % 2 * (1 << 22))  # (id >> 22) % 2 == 0: shard 0
    standin.add_guild(even)
    standin.add_guild(str(int(even) + (1 << 22)))  # shard 1
    standin.shards = 2
    gateway, standin.ws_url = standin.ws_url, "ws://127.0.0.1:9"  # what /gateway/bot names
    try:
        options = {"sharded": True, "shard_count": None, "custom_gateway": True}
        # the outer timeout: a shard that cannot connect retries for ever, even after close
        async with asyncio.timeout(60), running(bot_parts(app), **options) as client:
            assert sorted(tuple(i["shard"]) for i in standin.identifies) == [(0, 2), (1, 2)]
            assert client.shard_count == 2 and len(client.guilds) == 2
    finally:
        standin.ws_url = gateway
    assert len(standin.sent("GET", "/gateway/bot")) == 1
