"""Command sync only when the definitions change (platforms.md §2.3: creates are limited per day).

The command tree's JSON is hashed; the hash of the last sync per scope (`global` or
`guild:<id>`) is kept by a store the composition root injects (the database, so every replica
and every restart agrees). An unchanged start writes no command.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Protocol

import discord
from discord import app_commands

__all__ = ["CommandHashes", "command_payload", "payload_hash", "scope_of", "sync_commands"]

log = logging.getLogger(__name__)


class CommandHashes(Protocol):
    """Where the last synced payload hash per scope is kept."""

    async def get(self, scope: str) -> str | None:
        """The hash last synced to `scope`, if any."""
        ...

    async def put(self, scope: str, payload_hash: str) -> None:
        """Record a sync of `scope`."""
        ...


def scope_of(guild: int | None) -> str:
    """`global`, or `guild:<id>` for a development guild's instant commands."""
    return "global" if guild is None else f"guild:{guild}"


def command_payload(tree: app_commands.CommandTree[Any], guild: int | None) -> list[Any]:
    """The JSON `tree.sync` would PUT for that scope."""
    target = None if guild is None else discord.Object(id=guild)
    return [command.to_dict(tree) for command in tree.get_commands(guild=target)]


def payload_hash(payload: list[Any]) -> str:
    """A stable hash of a command payload."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[Any],
    hashes: CommandHashes,
    *,
    guild: int | None = None,
    force: bool = False,
) -> bool:
    """Sync the tree to `guild` (or globally) unless the stored hash matches; True if synced."""
    if guild is not None:
        tree.copy_global_to(guild=discord.Object(id=guild))
    scope = scope_of(guild)
    wanted = payload_hash(command_payload(tree, guild))
    if not force and await hashes.get(scope) == wanted:
        log.info("Discord commands (%s) unchanged: no sync", scope)
        return False
    await tree.sync(guild=None if guild is None else discord.Object(id=guild))
    await hashes.put(scope, wanted)
    log.info("Discord commands (%s) synced", scope)
    return True
