"""`/paper digest preview|now` and `/paper channel show|set …` as sub-commands of `/paper`.

The channel-settings core (`ChannelCommands`) answers in short texts; this module parses the
words after the sub-command and turns the answer into a `Reply`.
"""

from __future__ import annotations

from functools import partial

from bot.commands.channel import ChannelCommands, CommandContext, CommandResult
from bot.commands.paper import PaperCommand
from bot.commands.request import CommandRequest
from bot.models import Destination
from bot.replies import ErrorView, MessageView, Reply, msg

__all__ = ["register_admin_commands"]

DIGEST_USAGE = ("digest preview", "digest now")
CHANNEL_USAGE = ("channel show", 'channel set schedule "0 9 * * 1-5"', "channel set enable")
_PREVIEW_TITLES = 20


def register_admin_commands(paper: PaperCommand, commands: ChannelCommands) -> None:
    """Add `digest` and `channel` to `/paper`."""
    paper.register("digest", partial(_digest, commands))
    paper.register("channel", partial(_channel, commands))


def _context(request: CommandRequest) -> CommandContext:
    where = Destination(request.platform, request.workspace, request.channel)
    return CommandContext(where, request.user, platform_admin=request.platform_admin)


async def _digest(commands: ChannelCommands, request: CommandRequest, rest: str) -> Reply:
    action = rest.split()[0].lower() if rest.split() else ""
    ctx = _context(request)
    if action == "preview":
        return _reply(await commands.preview(ctx), request, DIGEST_USAGE)
    if action == "now":
        return _reply(await commands.now(ctx), request, DIGEST_USAGE)
    return _usage(f"digest {action}".strip(), request, DIGEST_USAGE)


async def _channel(commands: ChannelCommands, request: CommandRequest, rest: str) -> Reply:
    words = rest.split(maxsplit=2)
    ctx = _context(request)
    if not words or words[0].lower() == "show":
        return _reply(await commands.show(ctx), request, CHANNEL_USAGE)
    if words[0].lower() == "set" and len(words) >= 2:
        value = words[2] if len(words) > 2 else ""
        return _reply(await commands.set(ctx, words[1].lower(), value), request, CHANNEL_USAGE)
    return _usage(f"channel {rest}".strip(), request, CHANNEL_USAGE)


def _reply(result: CommandResult, request: CommandRequest, usage: tuple[str, ...]) -> Reply:
    lines = result.lines
    if result.digest is not None:
        notes = result.digest.notes
        lines += tuple(
            msg("channel.preview_item", number=n, title=note.title)
            for n, note in enumerate(notes[:_PREVIEW_TITLES], start=1)
        )
        if len(notes) > _PREVIEW_TITLES:
            lines += (msg("channel.preview_more", count=len(notes) - _PREVIEW_TITLES),)
    if not result.ok:
        return Reply(ErrorView(lines[0], usage), locale=request.locale)
    return Reply(MessageView(lines=lines), locale=request.locale)


def _usage(typed: str, request: CommandRequest, usage: tuple[str, ...]) -> Reply:
    problem = msg("error.unknown_command", typed=typed)
    return Reply(ErrorView(problem, usage), locale=request.locale)
