"""The command tree, answering what it does not know instead of leaving Discord to time out.

discord.py's `CommandTree` logs an interaction it cannot place and answers nothing, so after
3 s the person sees "The application did not respond" (a command) or "Loading options failed"
(an autocomplete). What arrives is what Discord has registered, which can differ from this
process's tree: a command left over from an older paperbot (another name, a sub-command, a
context menu), or, during a rolling deploy, a `/paper` whose options were synced by a newer
replica. So:

- an application command the tree does not find (`CommandNotFound`, or `CommandSignatureMismatch`
  for one whose shape changed) is answered privately, in the interaction's language, that it is
  no longer available and to use /paper. discord.py routes both to `on_error`.
- an autocomplete gets an empty choice list (type 8, `choices: []`) whenever nothing else answered
  it: no focused option (discord.py raises a bare `AppCommandError`), an unknown command, an
  unknown focused option, or suggestions that failed. The last two never reach `on_error`
  (discord.py swallows exceptions raised inside an autocomplete), hence the guard around `_call`,
  the one method every tree interaction goes through.
- anything else that reaches `on_error` (the `/paper` callback raised: the core failed, the answer
  could not be rendered or sent) is answered with paperbot's apology (`apologize` in
  `adapters/discord/paper.py`), logged once; so is a command the tree itself fails to read
  (`options: null` raises TypeError inside `_call`, which discord.py never routes to `on_error`).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.paper import answer, answering, apologize, locale_of
from bot.replies import MessageView, Reply, msg

__all__ = ["PaperTree", "stale_name"]

log = logging.getLogger(__name__)

UNKNOWN = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)


def stale_name(error: app_commands.AppCommandError) -> str:
    """The command as the person typed or picked it: `/old`, `/paper search`, `Save paper`."""
    if isinstance(error, app_commands.CommandNotFound):
        name = " ".join([*error.parents, error.name])
        slash = error.type is discord.AppCommandType.chat_input
    else:
        assert isinstance(error, app_commands.CommandSignatureMismatch)
        name, slash = error.command.qualified_name, True
    return f"/{name}" if slash else name


async def _stale(interaction: discord.Interaction[Any], name: str) -> Reply:
    """Privately, in the interaction's language: no longer available, use /paper."""
    line = msg("error.stale_command", command=name[:100])
    return Reply(MessageView(lines=(line,)), locale=locale_of(interaction))


class PaperTree(app_commands.CommandTree[Any]):
    """`CommandTree` that leaves no command or autocomplete unanswered (module docstring)."""

    async def _call(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError:
            raise  # discord.py hands it to on_error
        except Exception as exc:  # a shape the tree cannot read (`options: null`): past on_error
            if interaction.type is not discord.InteractionType.application_command:
                raise
            await apologize(interaction, exc)
        finally:
            if interaction.type is discord.InteractionType.autocomplete:
                await _no_choices(interaction)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        if interaction.type is discord.InteractionType.autocomplete:  # `_call` answered it
            log.info("Discord autocomplete not placed (%s): no choices", error)
        elif isinstance(error, UNKNOWN) and not interaction.response.is_done():
            name = stale_name(error)
            log.info("Discord command %r: not one paperbot has, answered, nothing done", name)
            await answering(interaction, answer(interaction, "", _stale(interaction, name)))
        else:
            failed = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            await apologize(interaction, failed)


async def _no_choices(interaction: discord.Interaction[Any]) -> None:
    """An empty choice list, if nothing answered the autocomplete (it cannot be deferred)."""
    if interaction.response.is_done():
        return
    try:
        await interaction.response.autocomplete([])
    except discord.HTTPException as exc:  # too late (10062): Discord shows its own failure
        log.info("Discord autocomplete could not be answered: %s", exc)
