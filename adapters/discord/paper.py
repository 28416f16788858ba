"""`/paper` as an application command: one `query` option with autocomplete, and its buttons.

The option takes the whole command grammar (`tag:rlhf since:2024-01`, `tags`, `help`,
`digest now`, `channel set …`), so every query form and sub-command of the core works the same
as on Slack and the terminal, and autocomplete suggests sub-commands, tags and titles.

Answers are ephemeral; one the core has not produced within `defer_after` (1 s) is deferred
first and sent as the follow-up (the first response must come within 3 s; a quick answer is one
request instead of two). `share` is one lookup by id, answered at once and visible to the
channel, naming who shared it and pinging no one. Buttons are one `DynamicItem` whose state is its
`custom_id` (`paper:page:<cursor>`, `paper:share:<key>`, `paper:full:<key>`, a digest paper's
`paper:follow:<key>` (in a DM digest `paper:follow:<key>:<guild>`), a subscription list's
`paper:unsub:<filter>`), registered in `setup_hook`, so a button on a message from before a
restart still works. Next, Previous and Remove edit the message they are on (an UPDATE_MESSAGE,
or a deferred update and an edit); Follow answers with an ephemeral message (in a DM, one whose
`custom_id` names no guild says to follow in the server instead: it cannot tell which one).
Every button acts as the person who clicked it; one whose state is empty (`paper:share:`) is
answered privately that paperbot cannot act on it, and so is one whose `custom_id` no
`PaperButton` takes (`answer_foreign_button`).

Whatever fails while answering (the core's call: the database gone, a table broken, a connection
cut; rendering the answer; sending it) is answered by `apologize`, the one place that does it:
the asker alone gets `error.internal` in the interaction's language, as the first response if
none went out yet, as the deferred "thinking" message's content, or as an ephemeral follow-up
after a deferred update (the clicked results stay); the log gets the exception once, with the
interaction's id. Discord would otherwise show "The application did not respond", a "thinking"
that never ends, or "This interaction failed". Commands reach it through the command tree's
`on_error` (`adapters/discord/tree.py`), buttons through `answering`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from adapters.discord.follow_scope import follow_state
from adapters.discord.suggest import Suggestions
from bot.commands.follow import FollowClick
from bot.commands.request import CommandRequest
from bot.digest.personal import DM_PREFIX
from bot.models import MessageRef, Platform
from bot.payloads import DiscordPayload
from bot.replies import ErrorView, MessageView, Reply, msg

__all__ = [
    "Notice",
    "PaperButton",
    "PaperServices",
    "answer_foreign_button",
    "answering",
    "apologize",
    "locale_of",
    "message_kwargs",
    "paper_command",
]

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 1.0
DESCRIPTION = "Search the team's paper notes (tag:, author:, since:, id:, tags, help)"
QUERY_HELP = "keywords, tag:rlhf, author:kim, since:2024-01, id:…, tags, help, digest now"

Notice = Callable[[CommandRequest, Callable[[Reply], Awaitable[bool]]], Awaitable[None]]
"""Says what the asker is still to be told once (why their DMs stopped) with the sender it is
given (True: sent); a send that fails leaves it for their next answer."""


@dataclass(frozen=True, slots=True)
class PaperServices:
    """What `/paper` needs from the core, injected by the composition root."""

    handle: Callable[[CommandRequest], Awaitable[Reply]]
    render: Callable[[Reply], DiscordPayload]
    suggestions: Suggestions
    full_label: Callable[[str], str] | None = None
    """The "Full note" button's word in a locale; None: no such buttons."""
    follow: Callable[[FollowClick], Awaitable[Reply]] | None = None
    """A digest paper's Follow button (`bot/commands/follow.py`); None: not answered."""
    defer_after: float = DEFER_AFTER_SECONDS
    """An answer not ready this soon is deferred first (Discord allows 3 s in all)."""
    notice: Notice | None = None
    """Something to tell the asker once, after the answer (`Notice`)."""


class StaticView(discord.ui.View):
    """Buttons as rendered; not kept in discord.py's view store: `PaperButton` answers them."""

    def is_dispatchable(self) -> bool:
        return False


def locale_of(interaction: discord.Interaction[Any]) -> str:
    """Korean for a Korean client, English otherwise."""
    return "ko" if interaction.locale is discord.Locale.korean else "en"


def request_for(interaction: discord.Interaction[Any], text: str) -> CommandRequest:
    """The core's request; admin is Manage Server in a server (the core adds admin_user_ids)."""
    user = interaction.user
    in_guild = interaction.guild_id is not None
    return CommandRequest(
        Platform.DISCORD,
        str(interaction.guild_id) if in_guild else "@me",
        str(interaction.channel_id),
        str(user.id),
        text,
        locale_of(interaction),
        platform_admin=in_guild and interaction.permissions.manage_guild,
        user_name=user.display_name,
    )


def _full_row(rows: list[list[dict[str, Any]]], label: str) -> list[dict[str, Any]]:
    """A "Full note N" button beside each "Share N" one (same note, same number)."""
    row = []
    for item in (i for group in rows for i in group):
        custom_id = str(item.get("custom_id", ""))
        if custom_id.startswith("paper:share:"):
            number = "".join(re.findall(r"\d+", str(item.get("label", ""))))[:4]
            full = "paper:full:" + custom_id.removeprefix("paper:share:")
            row.append({"style": 2, "label": f"{label} {number}".strip(), "custom_id": full})
    return row


def _view(payload: DiscordPayload, full_label: str | None) -> StaticView | None:
    rows = [list(group.get("components", [])) for group in payload.components]
    if full_label and (full := _full_row(rows, full_label)):
        rows.append(full)
    if not rows:
        return None
    view = StaticView(timeout=None)
    for row, group in enumerate(rows):
        for item in group:
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(int(item.get("style", 2))),
                    label=str(item.get("label", ""))[:80],
                    custom_id=item.get("custom_id"),
                    row=row,
                )
            )
    return view


def message_kwargs(payload: DiscordPayload, full_label: str | None = None) -> dict[str, Any]:
    """discord.py keyword arguments for a rendered reply; never a mention."""
    kwargs: dict[str, Any] = {
        "content": payload.content or None,
        "embeds": [discord.Embed.from_dict(e) for e in payload.embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if (view := _view(payload, full_label)) is not None:
        kwargs["view"] = view
    return kwargs


def _kwargs(interaction: discord.Interaction[Any], reply: Reply) -> dict[str, Any]:
    services = services_of(interaction)
    label = services.full_label(reply.locale) if services.full_label else None
    return message_kwargs(services.render(reply), label)


def services_of(interaction: discord.Interaction[Any]) -> PaperServices:
    services: PaperServices = interaction.client.paper_services
    return services


async def _soon(
    interaction: discord.Interaction[Any], text: str, asked: Awaitable[Reply] | None = None
) -> asyncio.Task[Reply] | Reply:
    """The core's reply (to `text`, or `asked`) if it is ready within `defer_after`, else the
    task still computing it."""
    services = services_of(interaction)
    task = asyncio.ensure_future(asked or services.handle(request_for(interaction, text)))
    done, _ = await asyncio.wait({task}, timeout=services.defer_after)
    return task.result() if done else task


async def answer(
    interaction: discord.Interaction[Any], text: str, asked: Awaitable[Reply] | None = None
) -> None:
    """Answer privately at once when the core is quick; else defer (ephemeral) and follow up."""
    if text.split()[:1] == ["share"]:
        await _share(interaction, text)
        return
    reply = await _soon(interaction, text, asked)
    if isinstance(reply, Reply):
        await interaction.response.send_message(**_kwargs(interaction, reply), ephemeral=True)
    else:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(**_kwargs(interaction, await reply), ephemeral=True)
    await _notice(interaction)


async def _notice(interaction: discord.Interaction[Any]) -> None:
    """A notice waiting for the asker (Discord cannot reach a person who refuses DMs any
    other way) goes out as a second ephemeral message of this interaction."""
    services = services_of(interaction)
    if services.notice is None:
        return

    async def say(reply: Reply) -> bool:
        await interaction.followup.send(**_kwargs(interaction, reply), ephemeral=True)
        return True

    try:
        await services.notice(request_for(interaction, ""), say)
    except Exception:  # boundary: the answer went out; the notice waits for the next one
        log.warning("could not send a notice to %s", interaction.user.id, exc_info=True)


async def _share(interaction: discord.Interaction[Any], text: str) -> None:
    """Visible to the channel when the core says so (an error stays private)."""
    services = services_of(interaction)
    reply = await services.handle(request_for(interaction, text))
    await interaction.response.send_message(
        **_kwargs(interaction, reply), ephemeral=reply.ephemeral
    )


async def _follow(interaction: discord.Interaction[Any], state: str) -> None:
    """A digest paper's Follow: the clicker follows its tags in this server (in a DM: the server
    its `custom_id` names), answered only to them. The message is looked up where the ledger
    keeps it (a thread's parent channel; a DM's `@<user id>`)."""
    services = services_of(interaction)
    note_key, scope = follow_state(state)
    in_dm = interaction.guild_id is None
    server = scope if in_dm else str(interaction.guild_id)
    if services.follow is None or interaction.message is None:
        await interaction.response.defer()  # not a digest's button we can place: nothing to do
        return
    if server is None:  # a DM's button from before buttons named their server
        await answer(interaction, "", _no_server(locale_of(interaction)))
        return
    follow, guild, message = services.follow, server, interaction.message

    async def followed() -> Reply:  # inside the deferral's clock: the lookup may need a request
        channel = f"{DM_PREFIX}{interaction.user.id}" if in_dm else await _posted_in(interaction)
        where = MessageRef(Platform.DISCORD, guild, channel, str(message.id))
        return await follow(FollowClick(where, str(interaction.user.id), note_key))

    await answer(interaction, "", followed())


async def _no_server(locale: str) -> Reply:
    """Why a Follow in a DM that names no server follows nothing, and where it would."""
    return Reply(MessageView(lines=(msg("subs.follow_no_server"),)), locale=locale)


async def _empty(interaction: discord.Interaction[Any], custom_id: str) -> Reply:
    """A button paperbot cannot act on (no state, or not one of ours): said privately."""
    log.info("Discord button %r: not one to act on, answered, nothing done", custom_id)
    line = msg("error.unusable_button", custom_id=custom_id)
    return Reply(MessageView(lines=(line,)), locale=locale_of(interaction))


async def _posted_in(interaction: discord.Interaction[Any]) -> str:
    """The channel the ledger keeps the clicked message under (a thread's parent)."""
    channel = interaction.channel_id or 0
    parts: Any = getattr(interaction.client, "parts", None)
    if parts is not None:
        channel = await parts.posting_channel(interaction.client, channel)
    return str(channel)


class PaperButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"paper:(?P<action>page|share|full|follow|unsub):(?P<state>.*)",
):
    """Every `/paper` button; what it does is in its `custom_id`, so restarts keep it working."""

    def __init__(self, action: str, state: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"paper:{action}:{state}"))
        self.action, self.state = action, state

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PaperButton:
        return cls(match["action"], match["state"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answering(interaction, self._act(interaction))

    async def _act(self, interaction: discord.Interaction[Any]) -> None:
        if not self.state.strip():  # `paper:share:`: nothing to act on (not one of ours)
            await answer(interaction, "", _empty(interaction, f"paper:{self.action}:"))
        elif self.action == "share":
            await _share(interaction, f"share id:{self.state}")
        elif self.action == "full":
            await answer(interaction, f"id:{self.state}")
        elif self.action == "follow":
            await _follow(interaction, self.state)
        elif self.action == "unsub":
            await self._turn(interaction, f"subscriptions remove {self.state}")
        else:
            await self._turn(interaction, self.state)

    async def _turn(self, interaction: discord.Interaction[Any], text: str) -> None:
        """Next / Previous (the page in the cursor), and a subscription list's Remove (for the
        clicker, whoever the list was for): the answer edited into the same message."""
        reply = await _soon(interaction, text)
        if isinstance(reply, Reply):
            await interaction.response.edit_message(**_kwargs(interaction, reply))
            return
        await interaction.response.defer()
        await interaction.edit_original_response(**_kwargs(interaction, await reply))


async def answer_foreign_button(interaction: discord.Interaction[Any]) -> None:
    """A button click whose `custom_id` `PaperButton` does not take (`paper:bogus:x`, another
    prefix: not one paperbot renders; no other view is dispatched here) is answered privately
    that paperbot cannot act on it, instead of Discord's "This interaction failed"."""
    if interaction.type is not discord.InteractionType.component:
        return
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    if PaperButton.__discord_ui_compiled_template__.fullmatch(custom_id) is not None:
        return  # PaperButton answers it
    await answering(interaction, answer(interaction, "", _empty(interaction, custom_id[:100])))


async def answering(interaction: discord.Interaction[Any], work: Awaitable[None]) -> None:
    """`work` (answering `interaction`); if it raises, the apology (`apologize`) instead of
    discord.py's log line and Discord's "This interaction failed"."""
    try:
        await work
    except Exception as error:  # boundary: the asker gets the apology, the log the details
        await apologize(interaction, error)


async def apologize(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """`error.internal` to the asker alone, in the interaction's language, however far the
    answer got: the first response, the deferred message's content (type 5), or a follow-up
    (after a deferred update or an answer); `error` is logged once, with the interaction's id,
    and never shown. An apology Discord refuses (too late: 10062) is logged, not raised."""
    log.error(
        "Discord interaction %s (%s) failed",
        interaction.id,
        _asked(interaction),
        exc_info=error,
    )
    response = interaction.response
    try:
        reply = Reply(ErrorView(msg("error.internal")), locale=locale_of(interaction))
        kwargs = _kwargs(interaction, reply)
        if not response.is_done():
            await response.send_message(**kwargs, ephemeral=True)
        elif response.type is discord.InteractionResponseType.deferred_channel_message:
            await interaction.edit_original_response(**kwargs)
        else:
            await interaction.followup.send(**kwargs, ephemeral=True)
    except Exception:  # boundary: nothing is left to answer with; the log says so
        log.warning(
            "Discord interaction %s: the apology was not sent", interaction.id, exc_info=True
        )


def _asked(interaction: discord.Interaction[Any]) -> str:
    """What was asked, for the log: `/paper <query>`, or the clicked button's `custom_id`."""
    data: Any = interaction.data or {}
    if interaction.type is discord.InteractionType.component:
        return str(data.get("custom_id", ""))[:100]
    options = data.get("options") or [{}]
    query = options[0].get("value", "") if isinstance(options[0], dict) else ""
    return f"/{data.get('name', '')} {query}".strip()[:200]


def paper_command() -> app_commands.Command[Any, Any, None]:
    """`/paper [query]` in servers and in DMs with the bot."""

    @app_commands.command(name="paper", description=DESCRIPTION)
    @app_commands.describe(query=QUERY_HELP)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def paper(interaction: discord.Interaction[Any], query: str | None = None) -> None:
        await answer(interaction, (query or "").strip())

    @paper.autocomplete("query")
    async def complete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        found = services_of(interaction).suggestions.choices(current)
        return [app_commands.Choice(name=c.name, value=c.value) for c in found]

    return paper
