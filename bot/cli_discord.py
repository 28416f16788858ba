"""`paperbot discord sync [--guild ID]`: register `/paper` now, whatever the stored hash says.

`paperbot run` syncs only when the command definitions changed (Discord limits command creates
per day). This forces it: globally (Discord may take a while to show changes everywhere) or
to one guild, which is instant, for development. It logs in over REST only (no gateway) and
records the hash, so the next `paperbot run` writes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.commands.request import CommandRequest
    from bot.replies import Reply

__all__ = ["add_discord_command", "run_discord"]


def add_discord_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """`discord sync` and its options."""
    discord_cmd = commands.add_parser("discord", help="Discord maintenance")
    actions = discord_cmd.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    sync = actions.add_parser(
        "sync", parents=[common], help="register /paper now (globally, or in one guild)"
    )
    sync.add_argument(
        "--guild", type=_guild_id, default=None, metavar="ID", help="a guild id: instant, for dev"
    )


def _guild_id(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(f"--guild: {value!r} is not a guild id (digits)")
    return int(value)


async def run_discord(args: argparse.Namespace) -> int:
    """Log in with DISCORD_BOT_TOKEN, sync the command tree, record its hash, log out."""
    from adapters.discord.client import ClientParts, build_client
    from adapters.discord.endpoints import Endpoints, apply_endpoints
    from adapters.discord.paper import PaperServices
    from adapters.discord.suggest import Corpus, Suggestions
    from bot.app import open_app
    from bot.models import Platform
    from bot.payloads import DiscordPayload
    from bot.store.command_hashes import SqlCommandHashes
    from bot.wiring.discord import settings_from_env

    settings = settings_from_env(os.environ)
    if settings is None:
        raise ConfigError("DISCORD_BOT_TOKEN is not set: `paperbot discord sync` needs it")
    guild = args.guild if args.guild is not None else settings.command_guild

    async def nothing() -> Corpus:
        return Corpus()

    async def unused(_request: CommandRequest) -> Reply:
        raise AssertionError("no interactions without a gateway")

    apply_endpoints(Endpoints(settings.api_base, settings.gateway))
    async with open_app(args.database_url) as app:
        hashes = SqlCommandHashes(app.engine, Platform.DISCORD.value, app.clock)
        services = PaperServices(unused, lambda _reply: DiscordPayload(), Suggestions(nothing))
        parts = ClientParts(services, hashes, sync_guild=guild, force_sync=True)
        client = build_client(parts)
        try:
            await client.login(settings.token)  # setup_hook syncs
        finally:
            await client.close()
    if not parts.synced:
        sys.stderr.write("paperbot: the Discord command sync failed (see the log above)\n")
        return 1
    where = "globally" if guild is None else f"to guild {guild}"
    sys.stdout.write(f"/paper synced {where}\n")
    return 0
