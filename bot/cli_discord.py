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
    from bot.wiring.discord import sync_now

    where = await sync_now(args.database_url, os.environ, args.guild)
    sys.stdout.write(f"/paper synced {where}\n")
    return 0
