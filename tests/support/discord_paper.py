"""Driving `/paper` on the stand-in: commands, clicks, and reading the answer back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord.client import ClientParts
from bot.app import App, paper_command
from bot.commands.admin import register_admin_commands
from bot.commands.channel import ChannelCommands
from bot.delivery.config import DeliveryConfig
from bot.delivery.publisher import Route
from bot.delivery.service import build_delivery
from bot.models import Platform
from bot.wiring.discord import paper_services
from formatters.discord_embeds import DiscordRenderer
from tests.support.discord_bot import MemoryHashes, Reactions
from tests.support.discord_standin import DiscordStandIn, Interaction, snowflake
from tests.support.transport import RecordingTransport

ADMIN_ID = "700000000000000009"


def bot_parts(app: App, hashes: MemoryHashes | None = None) -> ClientParts:
    """The client's parts over the real command core (admin sub-commands included)."""
    paper = paper_command(app)
    config = DeliveryConfig(admin_user_ids=frozenset({ADMIN_ID}))
    route = Route(DiscordRenderer(), RecordingTransport())
    delivery = build_delivery(
        app.engine, routes={Platform.DISCORD: route}, clock=app.clock, config=config,
        notes=app.notes,
    )  # fmt: skip
    register_admin_commands(paper, ChannelCommands(delivery))
    return ClientParts(
        paper_services(app, paper), hashes or MemoryHashes(), on_reaction=Reactions()
    )


@dataclass
class Bot:
    """One running client, the stand-in, and the channel the test talks in."""

    standin: DiscordStandIn
    parts: ClientParts
    channel: str
    client: discord.Client

    @property
    def reactions(self) -> Reactions:
        assert isinstance(self.parts.on_reaction, Reactions)
        return self.parts.on_reaction

    async def paper(self, query: str | None, **who: Any) -> Interaction:
        options = [] if query is None else [{"name": "query", "type": 3, "value": query}]
        data = {"id": snowflake(), "name": "paper", "type": 1, "options": options}
        return await self.standin.interact(2, data, channel_id=self.channel, **who)

    async def click(self, message: dict[str, Any], custom_id: str, **who: Any) -> Interaction:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.standin.interact(3, data, channel_id=self.channel, message=message, **who)

    async def answered(self, interaction: Interaction) -> dict[str, Any]:
        """The response message once the bot completed it: a reply (4), an update (7), or
        a follow-up or edit after a defer."""
        await self.standin.wait_for(lambda: interaction.complete)
        return interaction.message()


def edited_in_place(clicked: Interaction) -> bool:
    """Whether the answer to a click edited the clicked message and sent nothing else: an
    update (7) when the core answered within `defer_after`, else a deferred update (6) and one
    edit of it. Which one depends on the machine's load; `test_deadline.py` pins the second
    with the core held."""
    kinds = [c["type"] for c in clicked.callbacks]
    edits = len(clicked.edits)
    return not clicked.followups and ((kinds, edits) == ([7], 0) or (kinds, edits) == ([6], 1))


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def texts(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)
