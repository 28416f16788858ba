"""The discord.py client paperbot runs in its own event loop, next to the web server and scheduler.

Least privilege (platforms.md §4 rule 7): intents are guilds plus guild and DM reactions only
(no privileged intent, no message content), and `AllowedMentions.none()` is the client default.
`max_ratelimit_timeout` makes a long rate limit surface as `RateLimited`, which the delivery
ledger retries after `retry_after`, instead of stalling a job inside discord.py.

`setup_hook` (after login, before the gateway) syncs commands when their hash changed, and
registers the `/paper` buttons. The command tree answers commands and autocompletes it does not
know (`adapters/discord/tree.py`). Raw reaction events (they fire for uncached messages and after
restarts) go to the core with guild, channel, message, user and emoji; the bot's own are dropped
(and the core is told the bot's user id once logged in). A reaction inside a thread (a digest's
note replies, a forum post) is reported with the thread's parent channel: the ledger keeps a
message under the channel its digest was sent to (and the thread goes along, as `thread`: a
tag menu asked for inside a thread is kept under the thread). One inside a DM (no guild: only
the DM's owner can react there) is reported as `IN_A_DM`, channel `@<user id>`, as the ledger
keeps a DM digest; the core applies it in the guild of that digest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands

from adapters.discord.paper import PaperButton, PaperServices, answer_foreign_button, paper_command
from adapters.discord.sync import CommandHashes, sync_commands
from adapters.discord.tree import PaperTree
from bot.digest.personal import DM_PREFIX
from bot.models import IN_A_DM, MessageRef, Platform, Reaction
from bot.ports import Metrics

__all__ = ["ClientParts", "ReactionCallback", "build_client", "intents", "reaction_emoji"]

log = logging.getLogger(__name__)

MAX_RATELIMIT_TIMEOUT = 30.0  # discord.py clamps lower values to 30 s
ReactionCallback = Callable[[Reaction], Awaitable[object]]
"""The core's entry point for reactions (`ReactionHandler.handle`)."""
THREAD_TYPES = frozenset({10, 11, 12})  # announcement, public and private threads


def intents() -> discord.Intents:
    """Guilds, guild reactions, DM reactions: nothing else."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_reactions = True
    chosen.dm_reactions = True
    return chosen


def reaction_emoji(emoji: discord.PartialEmoji) -> str:
    """Unicode emoji by name (without U+FE0F), custom emoji by id."""
    if emoji.id is not None:
        return str(emoji.id)
    return (emoji.name or "").replace("\ufe0f", "")


@dataclass
class ClientParts:
    """What the client does beyond discord.py: commands, buttons, sync, reactions."""

    services: PaperServices
    hashes: CommandHashes
    on_reaction: ReactionCallback | None = None
    sync_guild: int | None = None
    force_sync: bool = False
    logged_in: asyncio.Event = field(default_factory=asyncio.Event)
    metrics: Metrics | None = None
    synced: bool | None = None  # whether the last setup_hook wrote commands
    on_login: Callable[[str], None] | None = None
    """Told the bot's own user id after each login (`ReactionHandler.ignore_user`)."""
    on_connected: Callable[[str], None] | None = None
    """Told "start" at the first READY, "reconnect" at each later READY or RESUMED (the
    reconcile pass runs then)."""
    _readies: int = 0
    _parents: dict[int, int] = field(default_factory=dict)  # channel -> where digests went
    _reading: dict[int, asyncio.Future[int | None]] = field(default_factory=dict)

    def gateway(self, event: str) -> None:
        """Count a gateway connect, disconnect or resume (`paperbot_discord_gateway_total`)."""
        if self.metrics is not None:
            self.metrics.inc("paperbot_discord_gateway_total", event=event)

    def connected(self, event: str) -> None:
        """The gateway is (again) connected: READY (a new session) or RESUMED."""
        self._readies += 1
        if self.on_connected is not None:
            self.on_connected("start" if self._readies == 1 else f"reconnect ({event})")

    async def setup(self, client: discord.Client, tree: app_commands.CommandTree[Any]) -> None:
        client.add_dynamic_items(PaperButton)
        if self.on_login is not None and client.user is not None:
            self.on_login(str(client.user.id))
        self.logged_in.set()
        try:
            self.synced = await sync_commands(
                tree, self.hashes, guild=self.sync_guild, force=self.force_sync
            )
        except discord.HTTPException:
            log.exception("Discord command sync failed; /paper keeps its last definition")
        try:
            await self.services.suggestions.refresh()
        except Exception:  # boundary: autocomplete starts empty, the next refresh fills it
            log.exception("loading /paper suggestions failed")

    async def reaction(
        self, client: discord.Client, event: discord.RawReactionActionEvent, added: bool
    ) -> None:
        if self.metrics is not None:
            kind = "reaction_add" if added else "reaction_remove"
            self.metrics.inc("paperbot_events_total", platform="discord", type=kind)
        if self.on_reaction is None:
            return
        if client.user is not None and event.user_id == client.user.id:
            return
        thread = None
        if event.guild_id is None:  # in a DM: the ledger keeps it under `@<user id>`
            where = (IN_A_DM, f"{DM_PREFIX}{event.user_id}")
        else:
            channel = await self.posting_channel(client, event.channel_id)
            where = (str(event.guild_id), str(channel))
            thread = str(event.channel_id) if channel != event.channel_id else None
        ref = MessageRef(Platform.DISCORD, *where, str(event.message_id))
        emoji = reaction_emoji(event.emoji)
        await self.on_reaction(Reaction(ref, str(event.user_id), emoji, added, thread))

    async def posting_channel(self, client: discord.Client, channel_id: int) -> int:
        """A thread's parent (where its digest was sent), else the channel itself: from the
        cache, else `GET /channels/{id}` once per channel (a thread never changes parent).
        Reactions arrive in bursts (discord.py runs each event as its own task), so lookups of
        one channel at the same time share one read."""
        if channel_id in self._parents:
            return self._parents[channel_id]
        cached = client.get_channel(channel_id)
        if isinstance(cached, discord.Thread):
            parent = cached.parent_id
        elif cached is not None:
            parent = channel_id
        else:
            if (reading := self._reading.get(channel_id)) is None:
                reading = asyncio.ensure_future(_read_parent(client, channel_id))
                self._reading[channel_id] = reading
                reading.add_done_callback(lambda _: self._reading.pop(channel_id, None))
            found = await asyncio.shield(reading)
            if found is None:  # not ours to read: report it as it came
                return channel_id
            parent = found
        self._parents[channel_id] = parent
        return parent


async def _read_parent(client: discord.Client, channel_id: int) -> int | None:
    """`GET /channels/{id}`: a thread's parent, else the channel; None when it cannot be read."""
    try:
        data: Any = await client.http.get_channel(channel_id)
    except discord.HTTPException as exc:
        log.info("reaction in channel %s: its type is unknown (%s)", channel_id, exc)
        return None
    is_thread = data.get("type") in THREAD_TYPES and data.get("parent_id")
    return int(data["parent_id"]) if is_thread else channel_id


def _tree(client: discord.Client) -> app_commands.CommandTree[Any]:
    tree = PaperTree(client)
    tree.add_command(paper_command())
    return tree


class _PaperbotEvents:
    """The gateway events both clients hand to `ClientParts` (discord.py finds `on_*` methods by
    name, so a mixin serves the plain and the sharded client alike)."""

    parts: ClientParts
    tree: app_commands.CommandTree[Any]
    _wired_client: discord.Client

    def _wire(self, parts: ClientParts, client: discord.Client) -> None:
        self.parts, self.paper_services = parts, parts.services
        self.tree, self._wired_client = _tree(client), client

    async def setup_hook(self) -> None:
        await self.parts.setup(self._wired_client, self.tree)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        await self.parts.reaction(self._wired_client, event, True)

    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        await self.parts.reaction(self._wired_client, event, False)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await answer_foreign_button(interaction)

    async def on_connect(self) -> None:
        self.parts.gateway("connect")

    async def on_disconnect(self) -> None:
        self.parts.gateway("disconnect")

    async def on_resumed(self) -> None:
        self.parts.gateway("resume")
        self.parts.connected("resumed")

    async def on_ready(self) -> None:  # every new session: at start, and after a re-identify
        self.parts.connected("ready")


class PaperbotClient(_PaperbotEvents, discord.Client):
    """One gateway connection (or the shards given by `shard_id` / `shard_count`)."""

    def __init__(self, parts: ClientParts, **options: Any) -> None:
        super().__init__(**options)
        self._wire(parts, self)


class PaperbotShardedClient(_PaperbotEvents, discord.AutoShardedClient):
    """`AutoShardedClient` for DISCORD_SHARD_COUNT > 1 or `auto`, or a DISCORD_SHARD_IDS range."""

    def __init__(self, parts: ClientParts, *, custom_gateway: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self._wire(parts, self)
        self._custom_gateway = custom_gateway

    async def launch_shards(self) -> None:
        """With DISCORD_GATEWAY_URL set, `auto` takes only the count from `/gateway/bot`:
        discord.py would connect to the URL in that answer instead of the configured one."""
        if self.shard_count is None and self._custom_gateway:
            self.shard_count, _url, _limits = await self.http.get_bot_gateway()
        await super().launch_shards()


def build_client(
    parts: ClientParts,
    *,
    shard_count: int | None = None,
    shard_ids: Sequence[int] | None = None,
    sharded: bool = False,
    custom_gateway: bool = False,
    **extra: Any,
) -> discord.Client:
    """A client with paperbot's intents and mention policy; sharded when asked.

    `extra`: more `discord.Client` options (tests shorten `guild_ready_timeout`).
    """
    options: dict[str, Any] = {
        **extra,
        "intents": intents(),
        "allowed_mentions": discord.AllowedMentions.none(),
        "max_ratelimit_timeout": MAX_RATELIMIT_TIMEOUT,
    }
    if sharded or shard_ids:
        return PaperbotShardedClient(
            parts,
            custom_gateway=custom_gateway,
            shard_count=shard_count,
            shard_ids=list(shard_ids) if shard_ids else None,
            **options,
        )
    return PaperbotClient(parts, **options)
