"""A local Slack Web API stand-in: aiohttp on 127.0.0.1, recording every call.

It answers like Slack (`ok`, `ts`, `channel`, error codes) for the methods paperbot uses
(conversations.open gives a user's DM as `D<user id>`; reactions.add and reactions.remove keep the
bot's reactions on the messages it posted, answering `already_reacted`, `no_reaction` and
`message_not_found` as Slack does; reactions.get lists them with people's, set with `react`;
`close_socket` drops the Socket Mode connection), validates every message payload
(chat.postMessage, chat.update, chat.postEphemeral and response_url posts) with the checks of
`slack_validation` plus the unescaped-mention rule, and can be told to fail the next calls of a
method: `fail("chat.postMessage", status=429, retry_after=2)`, `fail(..., error="not_in_channel")`,
`fail(..., status=500)`; `post_delay` slows every chat.postMessage down (a slow Slack), and
`post_gate`, while set to an unset event, holds each one until it is set (a Slack that hangs). A
payload that fails validation is answered `invalid_blocks` and listed in `problems`, so a test
that forgets to look still sees the digest fail.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.support.mentions import slack_mentions
from tests.support.slack_validation import slack_payload_errors, slack_texts

__all__ = ["Call", "SlackApi", "Workspace", "slack_api"]

MESSAGE_METHODS = ("chat.postMessage", "chat.update")


@dataclass(frozen=True)
class Call:
    """One request the bot made: the method (or `response:<id>`), its arguments, its token."""

    method: str
    args: dict[str, Any]
    token: str = ""
    answer: dict[str, Any] = field(default_factory=dict)
    """What the stand-in answered (`ok`, `ts`, …), once it has."""


@dataclass
class Workspace:
    """A team the stand-in knows: its bot token and bot user, and its people."""

    team_id: str
    token: str
    bot_user: str = "UBOT"
    bot_id: str = "BBOT"
    admins: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: float | None
    times: int
    channel: str | None
    extra: dict[str, Any]


class SlackApi:
    """The stand-in's state; `base_url` once started."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.workspaces: dict[str, Workspace] = {}
        self.oauth_codes: dict[str, Workspace] = {}
        self.refresh_tokens: dict[str, tuple[Workspace, str]] = {}
        """refresh token → (workspace, its next refresh token): token rotation's answers."""
        self.posted: set[tuple[str, str]] = set()  # (channel, ts) of chat.postMessage
        self.reactions: dict[tuple[str, str], list[str]] = {}  # (channel, ts) -> the bot's names
        self.base_url = ""
        self.root = ""
        self.post_delay = 0.0
        """Seconds each chat.postMessage takes before it is answered (and recorded)."""
        self.post_gate: asyncio.Event | None = None
        self.held_posts = 0  # chat.postMessage calls that reached the gate
        self.app_tokens: set[str] = set()
        self.connections = 0
        self.socket_messages: list[dict[str, Any]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        """(channel, ts) → every message posted, with its `reactions` as Slack lists them."""
        self.partial_reaction_users = 50
        """reactions.get without `full` lists at most this many users per reaction."""
        self._faults: dict[str, list[_Fault]] = {}
        self._ts = itertools.count(1)
        self._responses = itertools.count(1)

    # -- set-up -------------------------------------------------------------------------------

    def workspace(self, team_id: str, token: str, **kwargs: Any) -> Workspace:
        """Make `token` a valid bot token of `team_id`."""
        ws = Workspace(team_id, token, **kwargs)
        self.workspaces[token] = ws
        return ws

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
        channel: str | None = None,
        **extra: Any,
    ) -> None:
        """The next `times` calls of `method` (to `channel` only, when given) answer this
        failure instead; `extra` goes into the error body (e.g. `needed="reactions:read"`)."""
        fault = _Fault(status, error, retry_after, times, channel, extra)
        self._faults.setdefault(method, []).append(fault)

    def react(self, channel: str, ts: str, name: str, user: str, *, added: bool = True) -> None:
        """A person adds (or removes) a reaction, without any event: as while the bot is down."""
        reactions = self.messages[(channel, ts)].setdefault("reactions", [])
        found = next((r for r in reactions if r["name"] == name), None)
        if added and found is None:
            reactions.append({"name": name, "users": [user], "count": 1})
        elif added and found is not None and user not in found["users"]:
            found["users"].append(user)
            found["count"] += 1
        elif not added and found is not None and user in found["users"]:
            found["users"].remove(user)
            found["count"] -= 1
            if not found["users"]:
                reactions.remove(found)

    async def close_socket(self) -> None:
        """Drop the newest Socket Mode connection, as a network blip does (no `disconnect`)."""
        await self._sockets[-1].close()

    def response_url(self) -> str:
        """A fresh response_url, as Slack puts in each command and action payload."""
        return f"{self.root}/response/{next(self._responses)}"

    # -- what happened ------------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        """The calls of one method (`response` for every response_url post), in order."""
        if method == "response":
            return [c for c in self.calls if c.method.startswith("response:")]
        return [c for c in self.calls if c.method == method]

    # -- the server ---------------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        app.router.add_get("/link", self._socket)
        return app

    # -- Socket Mode --------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """One Socket Mode connection: hello, then envelopes out and acknowledgements in."""
        ws = web.WebSocketResponse()  # answers the client's pings (slack_sdk checks the pongs)
        await ws.prepare(request)
        self.connections += 1
        self._sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-standin", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A1"},
            }
        )
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    self.socket_messages.append(json.loads(message.data))
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one envelope (`slash_commands`, `events_api`, `interactive`) on the newest
        connection; returns its envelope id."""
        envelope_id = f"env-{next(self._ts)}"
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    def acknowledged(self, envelope_id: str) -> dict[str, Any] | None:
        """The client's answer to an envelope, once it came."""
        return next((m for m in self.socket_messages if m.get("envelope_id") == envelope_id), None)

    async def refresh(self) -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        await self._sockets[-1].send_json(
            {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
        )

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "chat.postMessage" and self.post_delay:
            await asyncio.sleep(self.post_delay)
        if method == "chat.postMessage" and self.post_gate is not None:
            self.held_posts += 1
            await self.post_gate.wait()
        args = await _arguments(request)
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
            pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            args["client_id"], _, args["client_secret"] = pair.partition(":")
            authorization = ""
        token = authorization.removeprefix("Bearer ") or str(args.pop("token", ""))
        call = Call(method, args, token)
        self.calls.append(call)
        response = self._answer(call)
        if isinstance(response.body, bytes):
            call.answer.update(json.loads(response.body) if response.body[:1] == b"{" else {})
        return response

    def _answer(self, call: Call) -> web.Response:
        method, args, token = call.method, call.args, call.token
        faults = self._faults.get(method, [])
        fault = next((f for f in faults if f.channel in (None, args.get("channel"))), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                faults.remove(fault)
            return _fault_response(fault)
        if method == "oauth.v2.access":
            return self._oauth(args)
        if method == "apps.connections.open":
            if token not in self.app_tokens:
                return _error("invalid_auth")
            return _ok(url=f"ws://{self.root.removeprefix('http://')}/link?ticket={next(self._ts)}")
        workspace = self.workspaces.get(token)
        if workspace is None:
            return _error("invalid_auth" if token else "not_authed")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return _error("unknown_method")
        answer: web.Response = handler(workspace, args)
        return answer

    async def _response(self, request: web.Request) -> web.Response:
        args = await request.json()
        self.calls.append(Call(f"response:{request.match_info['id']}", args))
        problems = self._check(args)
        if problems:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    def _check(self, args: dict[str, Any]) -> list[str]:
        payload = {k: v for k, v in args.items() if k in ("text", "blocks", "link_names", "parse")}
        if isinstance(payload.get("blocks"), str):
            payload["blocks"] = json.loads(payload["blocks"])
        problems = slack_payload_errors(payload)
        problems += [f"live mention {m!r}" for t in slack_texts(payload) for m in slack_mentions(t)]
        self.problems += problems
        return problems

    def _chat_postMessage(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        if str(args.get("channel", "")).startswith("@"):  # Slack retired `@name` channels
            return _error("channel_not_found")
        if self._check(args):
            return _error("invalid_blocks")
        n = next(self._ts)
        ts = f"{1_700_000_000 + n}.{n:06d}"
        message = {"type": "message", "text": args.get("text", ""), "ts": ts, "bot_id": ws.bot_id}
        if "thread_ts" in args:
            message["thread_ts"] = args["thread_ts"]
        self.posted.add((str(args["channel"]), ts))
        self.messages[(str(args["channel"]), ts)] = dict(message)
        return _ok(channel=args["channel"], ts=ts, message=message)

    def _reaction_target(self, args: dict[str, Any]) -> tuple[tuple[str, str], str] | web.Response:
        if not args.get("channel") or not args.get("timestamp"):
            return _error("no_item_specified")
        if not args.get("name") or ":" in str(args["name"]):
            return _error("invalid_name")
        item = (str(args["channel"]), str(args["timestamp"]))
        if item not in self.posted:
            return _error("message_not_found")
        return item, str(args["name"])

    def _reactions_add(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        target = self._reaction_target(args)
        if isinstance(target, web.Response):
            return target
        item, name = target
        held = self.reactions.setdefault(item, [])
        if name in held:
            return _error("already_reacted")
        held.append(name)
        return _ok()

    def _reactions_remove(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        target = self._reaction_target(args)
        if isinstance(target, web.Response):
            return target
        item, name = target
        if name not in self.reactions.get(item, []):
            return _error("no_reaction")
        self.reactions[item].remove(name)
        return _ok()

    def _reactions_get(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        """A message's reactions (channel and timestamp); each reaction's users are cut to
        `partial_reaction_users` unless `full` is true, as Slack may."""
        if not args.get("channel") or not args.get("timestamp"):
            return _error("no_item_specified")
        message = self.messages.get((str(args["channel"]), str(args["timestamp"])))
        if message is None:
            return _error("message_not_found")
        full = str(args.get("full", "")).lower() in ("1", "true")
        shown = dict(message)
        reactions = [dict(r) for r in message.get("reactions", [])]
        for name in self.reactions.get((str(args["channel"]), str(args["timestamp"])), []):
            found = next((r for r in reactions if r["name"] == name), None)
            if found is None:
                reactions.append({"name": name, "users": [ws.bot_user], "count": 1})
            elif ws.bot_user not in found["users"]:
                found.update(users=[*found["users"], ws.bot_user], count=found["count"] + 1)
        if reactions:
            cut = None if full else self.partial_reaction_users
            shown["reactions"] = [{**r, "users": r["users"][:cut]} for r in reactions]
        return _ok(type="message", channel=args["channel"], message=shown)

    def _chat_update(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        if self._check(args):
            return _error("invalid_blocks")
        return _ok(channel=args["channel"], ts=args["ts"], text=args.get("text", ""))

    def _chat_postEphemeral(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        if not args.get("user"):
            return _error("user_not_in_channel")
        if self._check(args):
            return _error("invalid_blocks")
        return _ok(message_ts=f"{1_700_000_000 + next(self._ts)}.000000")

    def _conversations_open(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        """A 1:1 DM: the same `D<user id>` channel every time, as Slack reuses the IM."""
        users = str(args.get("users", ""))
        if not users or "," in users:
            return _error("not_enough_users" if not users else "too_many_users")
        if users in (ws.bot_user, "USLACKBOT"):
            return _error("cannot_dm_bot")
        return _ok(channel={"id": f"D{users}"})

    def _auth_test(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        return _ok(
            url=f"https://{ws.team_id.lower()}.slack.com/",
            team="Team " + ws.team_id,
            user="paperbot",
            team_id=ws.team_id,
            user_id=ws.bot_user,
            bot_id=ws.bot_id,
            is_enterprise_install=False,
        )

    def _users_info(self, ws: Workspace, args: dict[str, Any]) -> web.Response:
        user = str(args.get("user", ""))
        return _ok(
            user={
                "id": user,
                "team_id": ws.team_id,
                "name": user.lower(),
                "is_admin": user in ws.admins or user in ws.owners,
                "is_owner": user in ws.owners,
                "is_bot": False,
            }
        )

    def _oauth(self, args: dict[str, Any]) -> web.Response:
        if args.get("grant_type") == "refresh_token":
            return self._refresh(args)
        ws = self.oauth_codes.pop(str(args.get("code", "")), None)
        if ws is None:
            return _error("invalid_code")
        return _ok(
            app_id="A1",
            authed_user={"id": "UINSTALLER"},
            scope="chat:write,commands,im:write,reactions:read,reactions:write,users:read",
            token_type="bot",
            access_token=ws.token,
            bot_user_id=ws.bot_user,
            team={"id": ws.team_id, "name": "Team " + ws.team_id},
            enterprise=None,
            is_enterprise_install=False,
        )

    def _refresh(self, args: dict[str, Any]) -> web.Response:
        """A rotating token refreshed: the workspace's current token, a new refresh token."""
        known = self.refresh_tokens.pop(str(args.get("refresh_token", "")), None)
        if known is None:
            return _error("invalid_refresh_token")
        ws, next_refresh = known
        return _ok(
            app_id="A1",
            token_type="bot",
            access_token=ws.token,
            refresh_token=next_refresh,
            expires_in=43200,
            team={"id": ws.team_id, "name": "Team " + ws.team_id},
            enterprise=None,
            is_enterprise_install=False,
        )


async def _arguments(request: web.Request) -> dict[str, Any]:
    """JSON body, form body and query string merged, as Slack reads them."""
    args: dict[str, Any] = dict(parse_qsl(request.query_string))
    body = await request.read()
    if request.content_type == "application/json" and body:
        args.update(json.loads(body))
    elif body:
        args.update(parse_qsl(body.decode()))
    return args


def _ok(**data: Any) -> web.Response:
    return web.json_response({"ok": True, **data})


def _error(code: str, status: int = 200, **extra: Any) -> web.Response:
    return web.json_response({"ok": False, "error": code, **extra}, status=status)


def _fault_response(fault: _Fault) -> web.Response:
    if fault.status == 429:
        retry = f"{fault.retry_after if fault.retry_after is not None else 1:g}"
        return web.json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": retry}
        )
    if fault.status >= 500:
        return web.Response(status=fault.status, text="upstream connect error")
    return _error(fault.error or "fatal_error", fault.status, **fault.extra)


@asynccontextmanager
async def slack_api() -> AsyncIterator[SlackApi]:
    """The stand-in listening on a free loopback port."""
    api = SlackApi()
    runner = web.AppRunner(api.application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    api.root = f"http://127.0.0.1:{port}"
    api.base_url = f"{api.root}/api/"
    try:
        yield api
    finally:
        await runner.cleanup()
