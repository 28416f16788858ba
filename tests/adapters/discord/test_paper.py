"""`/paper` end to end: INTERACTION_CREATE from the stand-in's gateway, the real discord.py
client and command tree, the real command core over the seed notes, the answer captured and
validated at the stand-in's REST side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.client import ClientParts
from bot.app import App, paper_command
from bot.commands.admin import register_admin_commands
from bot.commands.channel import ChannelCommands
from bot.delivery.config import DeliveryConfig
from bot.delivery.publisher import Route
from bot.delivery.service import build_delivery
from bot.ingest.importer import ingest_paths
from bot.models import Platform
from bot.wiring.discord import paper_services
from formatters.discord_embeds import DiscordRenderer
from tests.support.discord_bot import MemoryHashes, running
from tests.support.discord_standin import (
    CHANNEL_DM,
    MANAGE_GUILD,
    Channel,
    DiscordStandIn,
    Interaction,
    snowflake,
)
from tests.support.transport import RecordingTransport

EPHEMERAL = 64
ADMIN_ID = "700000000000000009"


@dataclass
class Bot:
    standin: DiscordStandIn
    parts: ClientParts
    channel: str

    async def paper(self, query: str | None, **who: Any) -> Interaction:
        options = [] if query is None else [{"name": "query", "type": 3, "value": query}]
        data = {"id": snowflake(), "name": "paper", "type": 1, "options": options}
        return await self.standin.interact(2, data, channel_id=self.channel, **who)

    async def click(self, message: dict[str, Any], custom_id: str, **who: Any) -> Interaction:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.standin.interact(3, data, channel_id=self.channel, message=message, **who)

    async def answered(self, interaction: Interaction) -> dict[str, Any]:
        """The response message once the bot completed it (a follow-up or an edit)."""
        await self.standin.wait_for(lambda: interaction.followups or interaction.edits)
        return interaction.message()


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def texts(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


@pytest.fixture
async def bot(app: App, seeds_dir: Path, standin: DiscordStandIn) -> AsyncIterator[Bot]:
    await ingest_paths([seeds_dir], app.notes, app.clock)
    paper = paper_command(app)
    config = DeliveryConfig(admin_user_ids=frozenset({ADMIN_ID}))
    route = Route(DiscordRenderer(), RecordingTransport())
    delivery = build_delivery(
        app.engine, routes={Platform.DISCORD: route}, clock=app.clock, config=config,
        notes=app.notes,
    )  # fmt: skip
    register_admin_commands(paper, ChannelCommands(delivery))
    guild = standin.add_guild()
    parts = ClientParts(paper_services(app, paper), MemoryHashes())
    async with running(parts):
        yield Bot(standin, parts, standin.guilds[guild][0])
    assert standin.problems == []


async def test_a_search_is_deferred_then_answered_privately(bot: Bot) -> None:
    asked = await bot.paper("tag:rlhf")
    answer = await bot.answered(asked)
    assert asked.callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
    assert answer["flags"] == EPHEMERAL
    assert "rlhf" in texts(answer) and "검색 결과" in texts(answer)
    assert answer["allowed_mentions"] == {"parse": []}
    assert any(c.startswith("paper:share:") for c in custom_ids(answer))


async def test_the_interactions_locale_picks_english(bot: Bot) -> None:
    answer = await bot.answered(await bot.paper("tag:rlhf", locale="en-US"))
    assert "notes for" in texts(answer)


async def test_autocomplete_suggests_tags_with_counts_and_titles(bot: Bot) -> None:
    data = {
        "id": snowflake(),
        "name": "paper",
        "type": 1,
        "options": [{"name": "query", "type": 3, "value": "rl", "focused": True}],
    }
    asked = await bot.standin.interact(4, data, channel_id=bot.channel)
    await bot.standin.wait_for(lambda: asked.callbacks)
    (callback,) = asked.callbacks
    assert callback["type"] == 8
    choices = callback["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert {"name": "#rlhf (3)", "value": "tag:rlhf"} in choices
    assert any(c["value"].startswith("id:") for c in choices)


async def test_next_edits_the_same_response_and_previous_goes_back(bot: Bot) -> None:
    first = await bot.answered(await bot.paper("tag:llm,alignment,benchmark"))
    (forward,) = [c for c in custom_ids(first) if c.startswith("paper:page:")]
    clicked = await bot.click(first, forward)
    second = await bot.answered(clicked)
    assert clicked.callbacks == [{"type": 6}]  # deferred update: the same message is edited
    assert "2/" in texts(second) and "1/" not in texts(second)
    back = [c for c in custom_ids(second) if c.startswith("paper:page:")]
    again = await bot.answered(await bot.click(second, back[0]))
    assert "1/" in texts(again)


async def test_share_posts_the_note_visibly_naming_who_shared_it(bot: Bot) -> None:
    found = await bot.answered(await bot.paper("tag:rlhf"))
    share = next(c for c in custom_ids(found) if c.startswith("paper:share:"))
    clicked = await bot.click(found, share, name="Ana @everyone")
    await bot.standin.wait_for(lambda: clicked.callbacks)
    (callback,) = clicked.callbacks
    assert callback["type"] == 4
    shared = callback["data"]
    assert not (shared.get("flags") or 0) & EPHEMERAL
    assert "Ana" in shared["content"] and "공유" in shared["content"]
    assert shared["allowed_mentions"] == {"parse": []}


async def test_an_id_query_shows_the_full_note(bot: Bot) -> None:
    found = await bot.answered(await bot.paper("tag:rlhf"))
    key = next(c for c in custom_ids(found) if c.startswith("paper:share:")).split(":", 2)[2]
    full = await bot.answered(await bot.paper(f"id:{key}"))
    assert full["flags"] == EPHEMERAL and len(full["embeds"]) >= 1


async def test_a_bad_query_says_what_is_wrong(bot: Bot) -> None:
    answer = await bot.answered(await bot.paper("since:2024-13"))
    assert answer["embeds"][0]["color"] == 0xED4245 and "⚠️" in texts(answer)


async def test_no_query_shows_help(bot: Bot) -> None:
    answer = await bot.answered(await bot.paper(None))
    assert "/paper" in texts(answer)


async def test_admin_commands_need_manage_server_or_an_admin_id(bot: Bot) -> None:
    refused = await bot.answered(await bot.paper('channel set schedule "0 8 * * *"'))
    assert "⚠️" in texts(refused)
    by_manager = await bot.answered(
        await bot.paper('channel set schedule "0 8 * * *"', permissions=MANAGE_GUILD)
    )
    assert "⚠️" not in texts(by_manager) and r"0 8 \* \* \*" in texts(by_manager)
    by_id = await bot.answered(await bot.paper("channel show", user_id=ADMIN_ID))
    assert "⚠️" not in texts(by_id)


async def test_paper_works_in_a_dm_with_the_bot(bot: Bot) -> None:
    dm = Channel(snowflake(), None, CHANNEL_DM, "dm")
    bot.standin.channels[dm.id] = dm
    data = {"id": snowflake(), "name": "paper", "type": 1,
            "options": [{"name": "query", "type": 3, "value": "tag:rlhf"}]}  # fmt: skip
    asked = await bot.standin.interact(2, data, channel_id=dm.id)
    answer = await bot.answered(asked)
    assert "rlhf" in texts(answer)
