"""The Bolt listeners: `/paper`, its buttons, reactions. The same ones serve HTTP and Socket Mode.

`/paper` answers inside its acknowledgement when the core is quick (the usual case: one round
trip, nothing else to fail), and otherwise acknowledges empty at `ack_budget` and answers through
`response_url`, so Slack's 3 s never pass. Every answer is ephemeral except a shared note.
Buttons carry their state (a page cursor is the query text with `page:N`, a note is `id:<key>`,
a digest paper's Follow its note key, a Remove the command it sends), so they work after a
restart and for anyone who clicks, always as the person who clicked.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admins import WorkspaceAdmins
from bot.commands.follow import FollowClick
from bot.commands.request import CommandRequest
from bot.log_context import request_scope
from bot.models import MessageRef, Platform, Reaction
from bot.payloads import SlackPayload
from bot.ports import Metrics
from bot.replies import ErrorView, Reply, Text, msg
from bot.tasks import bounded

__all__ = [
    "ACK_BUDGET_SECONDS",
    "ADMIN_WORDS",
    "COMMAND",
    "SeenEvents",
    "SlackListeners",
    "SlackServices",
    "register",
]

log = logging.getLogger(__name__)

COMMAND = "/paper"
ACK_BUDGET_SECONDS = 2.0
ADMIN_WORDS = frozenset({"digest", "channel"})
PAGE_ACTIONS = ("paper.page.next", "paper.page.prev")
SHARE_ACTION = "paper.share"
NOTE_ACTION = "paper.note"
REMOVE_ACTION = "paper.unsubscribe"
FOLLOW_ACTION = "paper.follow"
_SKIN_TONE = re.compile(r"::skin-tone-\d$")
DEFAULT_LOCALE = "ko"  # the catalogue's default (formatters.i18n), for an apology
LOCALE_SECONDS = 5.0
"""How long an apology after the ack waits for its channel's language before the default."""
MIN_LOCALE_SECONDS = 0.2
"""An apology inside the ack still tries the language this long when the budget is spent."""


class SeenEvents(Protocol):
    """Remembers handled Slack `event_id`s (shared by every replica)."""

    async def first_time(self, event_id: str) -> bool:
        """Record the id; False when it was recorded before."""
        ...


@dataclass(frozen=True)
class SlackServices:
    """What the listeners need from the core, injected once the service runs."""

    answer: Callable[[CommandRequest], Awaitable[Reply]]
    render: Callable[[Reply], SlackPayload]
    locale: Callable[[str, str], Awaitable[str]]
    """The language of a channel (workspace, channel): its destination's, else the default."""
    reactions: Callable[[Reaction, str], Awaitable[None]]
    """Apply a reaction made in a Slack channel (`str`: where to confirm it, a `D…` for a DM);
    what it changed is confirmed to the person privately, bundled over a few seconds."""
    seen: SeenEvents
    metrics: Metrics
    admins: WorkspaceAdmins
    uninstalled: Callable[[str | None, str, str], Awaitable[None]]
    """A workspace (enterprise id, team id) removed the app or revoked its bot token: why."""
    follow: Callable[[FollowClick], Awaitable[Reply]] | None = None
    """A paper's Follow button (`bot/commands/follow.py`); None: the button is not answered."""
    installed: Callable[[str | None, str], Awaitable[None]] | None = None
    """A workspace (enterprise id, team id) installed the app through OAuth, maybe again."""


class SlackListeners:
    """The listeners' state: the services (None until the service has started)."""

    def __init__(self, ack_budget: float = ACK_BUDGET_SECONDS) -> None:
        self.services: SlackServices | None = None
        self.ack_budget = ack_budget
        self._later: set[asyncio.Task[None]] = set()

    @property
    def ready(self) -> bool:
        """Requests can be answered."""
        return self.services is not None

    def _services(self) -> SlackServices:
        if self.services is None:
            raise RuntimeError("a Slack request before the service started")
        return self.services

    async def _request(
        self, client: AsyncWebClient, team: str, channel: str, user: str, text: str, name: str
    ) -> CommandRequest:
        services = self._services()
        words = text.strip().lower().split()
        asks_admin = bool(words) and (words[0] in ADMIN_WORDS or words[:2] == ["tags", "menu"])
        admin = asks_admin and await services.admins.is_admin(client, team, user)
        return CommandRequest(
            Platform.SLACK,
            team,
            channel,
            user,
            text,
            await services.locale(team, channel),
            platform_admin=admin,
            user_name=name,
        )

    # -- /paper -------------------------------------------------------------------------------

    async def on_command(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        next: Callable[[], Awaitable[None]],  # Bolt passes `next` by name
    ) -> BoltResponse | None:
        """Middleware for `/paper`: the answer is the acknowledgement when the core is quick,
        else an empty ack at `ack_budget` and the answer through response_url.

        A middleware, not a listener: Bolt's listener runner notices an `ack()` only on its
        next 10 ms poll, which would add up to 10 ms to every answer; a middleware's return
        value is the HTTP (or Socket Mode) response at once. Signature and authorization
        middleware have run before it.
        """
        if body.get("command") != COMMAND:
            await next()
            return None
        with request_scope():  # the answer's task and a later reply log under this id
            return await self._acknowledge(client, respond, body)

    async def _acknowledge(
        self, client: AsyncWebClient, respond: AsyncRespond, body: dict[str, Any]
    ) -> BoltResponse:
        began = time.perf_counter()
        services = self._services()
        task = asyncio.create_task(self._answer_command(client, body))
        done, _ = await asyncio.wait({task}, timeout=self.ack_budget)
        if not done:
            self._after_ack(self._answer_later(task, respond, body))
            acknowledged = BoltResponse(status=200, body="")
        else:
            try:
                reply = task.result()
                answer = _message(services.render(reply), reply)
            except Exception:  # boundary: the asker gets the apology, the log the details
                log.exception("/paper %r failed", body.get("text"))
                left = self.ack_budget - (time.perf_counter() - began)
                reply = await self._apology(body, max(left, MIN_LOCALE_SECONDS))
                answer = _message(services.render(reply), reply)
            acknowledged = BoltResponse(status=200, body=answer)
        services.metrics.observe("paperbot_slack_ack_seconds", time.perf_counter() - began)
        return acknowledged

    def _after_ack(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` once the ack has gone out, kept in `_later` until it ends (a task
        nothing refers to may be collected mid-run)."""
        task = asyncio.create_task(work)
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _answer_later(
        self, task: asyncio.Task[Reply], respond: AsyncRespond, body: dict[str, Any]
    ) -> None:
        render = self._services().render
        try:
            reply = await task
            payload = render(reply)
        except Exception:  # boundary: the asker gets the apology, the log the details
            log.exception("/paper %r failed", body.get("text"))
            reply = await self._apology(body, self.ack_budget)
            payload = render(reply)
        await _respond(respond, payload, reply)

    async def _apology(self, body: dict[str, Any], within: float) -> Reply:
        """`error.internal`, ephemeral, in the command channel's language (the default when
        it cannot be read within `within` seconds: the store may be what failed)."""
        team, channel = str(body.get("team_id", "")), str(body.get("channel_id", ""))
        locale = await self._locale_or_default(team, channel, within)
        return Reply(ErrorView(msg("error.internal")), locale=locale)

    async def _locale_or_default(self, team: str, channel: str, within: float) -> str:
        try:
            # `bounded`, not `wait_for`: on 3.11 `wait_for` waits for the cancelled lookup to
            # unwind, and a store whose connection hangs would hold the ack past its budget
            return await bounded(self._services().locale(team, channel), within)
        except Exception:  # boundary: the store that knows the language may be what failed
            log.debug("Slack: the language of %s:%s is unknown", team, channel)
            return DEFAULT_LOCALE

    async def _answer_command(self, client: AsyncWebClient, body: dict[str, Any]) -> Reply:
        request = await self._request(
            client,
            str(body.get("team_id", "")),
            str(body.get("channel_id", "")),
            str(body.get("user_id", "")),
            str(body.get("text", "")),
            str(body.get("user_name", "")),
        )
        return await self._services().answer(request)

    # -- buttons ------------------------------------------------------------------------------

    async def on_page(
        self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Next / Previous, and a subscription list's Remove (its value is the command
        `subscriptions remove <filter>`, run for the clicker): the same ephemeral message,
        replaced by the answer."""
        await ack()

        async def page() -> None:
            reply = await self._answer_action(client, body, _action_value(body))
            await _respond(respond, self._services().render(reply), reply, replace_original=True)

        await self._clicked(body, respond, page)

    async def on_share(
        self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Share: the note posted visibly in the channel, saying who shared it."""
        await ack()

        async def share() -> None:
            reply = await self._answer_action(client, body, f"share {_action_value(body)}")
            await _respond(respond, self._services().render(reply), reply, replace_original=False)

        await self._clicked(body, respond, share)

    async def on_note(
        self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Full note: the whole note, only to whoever clicked."""
        await ack()

        async def note() -> None:
            reply = await self._answer_action(client, body, _action_value(body))
            await _respond(respond, self._services().render(reply), reply, replace_original=False)

        await self._clicked(body, respond, note)

    async def on_follow(self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        """Follow `#tag …` on a digest's paper: the clicker follows its tags (value: the note
        key), answered only to them; the digest message stays as it is."""
        await ack()
        follow = self._services().follow
        if follow is None:
            return

        async def followed() -> None:
            await self._follow(follow, respond, body)

        await self._clicked(body, respond, followed)

    def on_no_button(self, body: dict[str, Any], respond: AsyncRespond | None) -> BoltResponse:
        """A click payload naming no button (`actions` empty, missing, or not objects):
        acknowledged at once, and the clicker told privately through its response_url (when
        it has one) that nothing changed (`error.no_button`)."""
        log.info("Slack %s naming no button: not one to act on", body.get("type"))
        if respond is not None and body.get("response_url"):
            line = msg("error.no_button")
            self._after_ack(self._tell_after_ack(body, respond, line))
        return BoltResponse(status=200, body="")

    async def _tell_after_ack(
        self, body: dict[str, Any], respond: AsyncRespond, line: Text
    ) -> None:
        try:
            await self._tell(body, respond, line)
        except Exception:  # boundary: the ack went out; nothing more to tell them with
            log.warning("Slack click naming no button: the answer failed", exc_info=True)

    async def on_unknown(self, ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        """A button whose `action_id` is none of ours (Bolt tries this listener last)."""
        await ack()
        await self._clicked(body, respond, None)

    async def _follow(
        self,
        follow: Callable[[FollowClick], Awaitable[Reply]],
        respond: AsyncRespond,
        body: dict[str, Any],
    ) -> None:
        services = self._services()
        team, channel = _clicked_in(body)
        clicker = str(_part(body, "user").get("id", ""))
        where = f"@{clicker}" if channel.startswith("D") else channel
        ts = _part(body, "container").get("message_ts") or _part(body, "message").get("ts")
        ref = MessageRef(Platform.SLACK, team, where, str(ts or ""))
        reply = await follow(FollowClick(ref, clicker, _action_value(body)))
        await _respond(respond, services.render(reply), reply, replace_original=False)

    async def _clicked(
        self,
        body: dict[str, Any],
        respond: AsyncRespond,
        work: Callable[[], Awaitable[None]] | None,
    ) -> None:
        """A click's `work`, after its ack. A button paperbot cannot act on (an empty value,
        or `work` None: an action id not ours) is answered that it cannot, and nothing is
        done; a failure is logged with the action id and the clicker told that it failed.
        Both only to the clicker, through the action's response_url, in the channel's
        language (the default when even that cannot be read); the message they clicked stays."""
        action, value = _action_id(body), _action_value(body)
        try:
            if work is None or not value.strip():
                log.info(
                    "Slack button %r with value %r: not one to act on", action[:100], value[:100]
                )
                await self._tell(body, respond, msg("error.unusable_button", custom_id=action))
                return
            await work()
        except Exception:  # boundary: the clicker gets a short apology, the log the details
            log.exception("Slack button %s failed", action)
            try:
                await self._tell(body, respond, msg("error.internal"))
            except Exception:  # boundary: nothing more to tell them with
                log.warning("Slack button %s: the apology failed too", action, exc_info=True)

    async def _tell(self, body: dict[str, Any], respond: AsyncRespond, line: Text) -> None:
        services = self._services()
        team, channel = _clicked_in(body)
        locale = await self._locale_or_default(team, channel, LOCALE_SECONDS)
        reply = Reply(ErrorView(line), locale=locale)
        await _respond(respond, services.render(reply), reply, replace_original=False)

    async def _answer_action(
        self, client: AsyncWebClient, body: dict[str, Any], text: str
    ) -> Reply:
        user = _part(body, "user")
        team, channel = _clicked_in(body)
        name = str(user.get("name") or user.get("username") or "")
        request = await self._request(client, team, channel, str(user.get("id", "")), text, name)
        return await self._services().answer(request)

    # -- events -------------------------------------------------------------------------------

    async def once(
        self,
        body: dict[str, Any],
        next: Callable[[], Awaitable[None]],  # Bolt passes `next` by name
    ) -> BoltResponse | None:
        """Middleware: an `event_id` seen before is acknowledged (200, so Slack stops
        retrying) and dropped."""
        callback = body.get("type") == "event_callback"
        if callback:
            kind = str((body.get("event") or {}).get("type", ""))
            self._services().metrics.inc("paperbot_events_total", platform="slack", type=kind)
        event_id = body.get("event_id") if callback else None
        if event_id and not await self._services().seen.first_time(str(event_id)):
            log.info("Slack event %s delivered again: skipped", event_id)
            self._services().metrics.inc("paperbot_slack_duplicate_events_total")
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def on_reaction(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A reaction on a message: handed to the core, which knows whether it is a digest's;
        what it changed is confirmed to the person only (ephemeral, where they reacted).

        Bolt drops the bot's own reactions before they get here (its self-events middleware),
        and the core ignores the bot user learned from auth.test as well. In a DM (`D…`, only
        ever the bot and that person) the message is the person's DM digest, which the ledger
        knows under channel `@<user id>`.
        """
        item = event.get("item") or {}
        if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
            log.debug("Slack %s on %r: not a message's, ignored", event.get("type"), item)
            return  # a file's or a file comment's, or a message Slack did not name
        user, channel = str(event.get("user", "")), str(item["channel"])
        where = f"@{user}" if channel.startswith("D") else channel
        ref = MessageRef(Platform.SLACK, str(body.get("team_id", "")), where, str(item["ts"]))
        emoji = _SKIN_TONE.sub("", str(event.get("reaction", "")))
        added = event.get("type") == "reaction_added"
        await self.apply_reaction(client, Reaction(ref, user, emoji, added), channel)

    async def apply_reaction(
        self, client: AsyncWebClient, reaction: Reaction, channel: str
    ) -> None:
        """Apply one reaction (an event's, or one the reconcile pass found); what it changed is
        confirmed to the person ephemerally in `channel` (the core's services bundle a burst)."""
        await self._services().reactions(reaction, channel)

    async def on_app_uninstalled(self, body: dict[str, Any]) -> None:
        """The workspace removed the app: forget it, pause its channels."""
        await self._services().uninstalled(
            body.get("enterprise_id"), str(body.get("team_id", "")), "app_uninstalled"
        )

    async def on_installed(self, enterprise: str | None, team: str) -> None:
        """The OAuth flow saved a workspace's installation: what its uninstall paused resumes.
        One completed before the service started resumes nothing (logged)."""
        services = self.services
        if services is None or services.installed is None:
            log.warning("Slack workspace %s installed before the service started", team)
            return
        await services.installed(enterprise, team)

    async def on_tokens_revoked(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Only the bot's own token matters: a user revoking theirs changes nothing here."""
        if (event.get("tokens") or {}).get("bot"):
            await self._services().uninstalled(
                body.get("enterprise_id"), str(body.get("team_id", "")), "tokens_revoked"
            )


class NoButton(AsyncMiddleware):
    """Answers a click payload that names no button before any function middleware runs.

    Bolt builds every function middleware's and listener's arguments with `to_action`, which
    reads `actions[0]`: a `block_actions` (or attachment `interactive_message`) with `actions: []`
    raised IndexError there and Bolt answered 500, which the clicker sees as an error (Slack
    never retries interactivity). A class middleware gets the request itself, not those
    arguments; registered first of ours, it runs after Bolt's signature check and authorization.
    """

    def __init__(self, listeners: SlackListeners) -> None:
        self._listeners = listeners

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt's name
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") in _CLICKS and not _names_a_button(body.get("actions")):
            return self._listeners.on_no_button(body, req.context.respond)
        return await next()


_CLICKS = frozenset({"block_actions", "interactive_message"})


def _names_a_button(actions: object) -> bool:
    """An object first, with an `action_id` Bolt can match (a non-empty string; null or a
    number was answered 404 or 500 by Bolt's matching)."""
    first = actions[0] if isinstance(actions, list) and actions else None
    return (
        isinstance(first, dict)
        and isinstance(first.get("action_id"), str)
        and bool(first["action_id"])
    )


def _part(body: dict[str, Any], key: str) -> dict[str, Any]:
    """A payload object (`team`, `channel`, `user`, `container`, `message`); a bare string in
    its place is read as its id, anything else as nothing (`.get` on it raised after the ack,
    and the clicker heard nothing)."""
    part = body.get(key)
    if isinstance(part, dict):
        return part
    return {"id": part} if isinstance(part, str) else {}


def _clicked_in(body: dict[str, Any]) -> tuple[str, str]:
    """The workspace and channel of a click (the team's id, else the clicker's team)."""
    team = _part(body, "team").get("id") or _part(body, "user").get("team_id", "")
    return str(team), str(_part(body, "channel").get("id", ""))


def _first_action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return dict(actions[0])


def _action_id(body: dict[str, Any]) -> str:
    return str(_first_action(body).get("action_id", ""))


def _action_value(body: dict[str, Any]) -> str:
    """The button's value; one that is not a string (null, an object) is none: read as text it
    was a search for "None"."""
    value = _first_action(body).get("value")
    return value if isinstance(value, str) else ""


def _message(payload: SlackPayload, reply: Reply) -> dict[str, Any]:
    kind = "ephemeral" if reply.ephemeral else "in_channel"
    return {"text": payload.text, "blocks": list(payload.blocks), "response_type": kind}


async def _respond(
    respond: AsyncRespond,
    payload: SlackPayload,
    reply: Reply,
    *,
    replace_original: bool | None = None,
) -> None:
    message = _message(payload, reply)
    if not reply.ephemeral:
        replace_original = False  # a shared note is a new, visible message
    response = await respond(**message, replace_original=replace_original)
    if response.status_code != 200:
        log.warning("response_url answered %d: %s", response.status_code, response.body)


def register(app: AsyncApp, listeners: SlackListeners) -> None:
    """Attach every listener to `app`."""
    app.middleware(NoButton(listeners))
    app.middleware(listeners.once)
    app.middleware(listeners.on_command)
    for action in PAGE_ACTIONS:
        app.action(action)(listeners.on_page)
    app.action(SHARE_ACTION)(listeners.on_share)
    app.action(NOTE_ACTION)(listeners.on_note)
    app.action(REMOVE_ACTION)(listeners.on_page)
    app.action(FOLLOW_ACTION)(listeners.on_follow)
    app.block_action(re.compile(r".+"))(listeners.on_unknown)  # matched last: none of the above
    app.event("reaction_added")(listeners.on_reaction)
    app.event("reaction_removed")(listeners.on_reaction)
    app.event("app_uninstalled")(listeners.on_app_uninstalled)
    app.event("tokens_revoked")(listeners.on_tokens_revoked)
