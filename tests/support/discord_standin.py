"""A local Discord: REST under `/api/v10` and a gateway WebSocket, on 127.0.0.1 (platforms.md §3.2).

It records every request and gateway frame, validates every outgoing message, embed, interaction
response and command payload against the official OpenAPI spec plus the 6,000-character total
(`problems` lists what Discord would refuse; such a request is answered 400 / 50035 like
Discord), answers an interaction callback that comes after 3 seconds with 10062, and can be
scripted to answer 429 (with the headers discord.py reads) or any other error.

Tests await what they expect with `wait_for(...)`: nothing here sleeps to let things happen.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from tests.support.discord_validation import discord_payload_errors, schema_errors

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
BOT_USER = {
    "id": BOT_ID,
    "username": "paperbot",
    "discriminator": "0",
    "global_name": "paperbot",
    "avatar": None,
    "bot": True,
}
DISCORD_EPOCH_MS = 1420070400000
INTERACTION_DEADLINE = 3.0
LOADED_DEADLINE = 120.0
"""Seconds: the deadline of a stand-in whose test is not about Discord's 3 s. On a loaded
machine a process that defers within its `defer_after` of reading the event can still answer
3 s after the stand-in sent it; `test_deadline.py` pins both the refusal and the deferral."""
CHANNEL_TEXT, CHANNEL_DM, CHANNEL_PUBLIC_THREAD, CHANNEL_FORUM = 0, 1, 11, 15
REQUIRE_TAG = 1 << 4
"""A forum channel flag: every post must apply one of its tags (else 400 / 40067)."""
MANAGE_GUILD = 1 << 5

_ids = itertools.count(1)


def snowflake() -> str:
    """A fresh Discord id (a timestamp in the high bits, so ids sort by time)."""
    now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((now_ms << 22) | (next(_ids) & 0x3FFFFF))


def user(user_id: str, name: str) -> dict[str, Any]:
    """A user object as Discord sends it."""
    return {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
    }


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Exactly `application/json`: discord.py compares the header literally (§3.2 detail 1)."""
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


@dataclass
class Recorded:
    """One REST request as received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Failure:
    """A scripted answer for the next matching request(s)."""

    method: str
    pattern: re.Pattern[str]
    status: int
    code: int = 0
    retry_after: float = 0.0
    times: int = 1
    containing: str = ""
    """Only requests whose JSON body holds this text (a message saying something)."""


@dataclass
class Channel:
    """A channel the stand-in knows: type, guild, and (forum) available tags."""

    id: str
    guild_id: str | None
    type: int = CHANNEL_TEXT
    name: str = "papers"
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    parent_id: str | None = None
    missing_permission: bool = False  # answer 403 / 50013 to posts
    recipient: str = ""  # a DM: the user at the other end
    flags: int = 0  # a forum's `REQUIRE_TAG`
    archived: bool = False  # a thread: edits answer 400 / 50083 until unarchived
    locked: bool = False  # a thread only a moderator (Manage Threads) may unarchive

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": self.parent_id,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = self.guild_id
        if self.type == CHANNEL_FORUM:
            data["available_tags"] = self.available_tags
        if self.type == CHANNEL_DM:
            data["recipients"] = [user(self.recipient or "1", "someone")]
        if self.type == CHANNEL_PUBLIC_THREAD:  # as Discord sends a thread (an interaction's too)
            data.update(owner_id=BOT_ID, message_count=0, member_count=1,
                        thread_metadata={"archived": self.archived, "auto_archive_duration": 1440,
                                         "archive_timestamp": "2024-09-20T00:00:00+00:00",
                                         "locked": self.locked})  # fmt: skip
        return data


@dataclass
class Interaction:
    """An INTERACTION_CREATE the test sent, and what the bot answered to it."""

    id: str
    token: str
    sent_at: float
    channel_id: str
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None  # the response message, as it shows now
    loading: bool = False  # deferred with type 5: the first follow-up completes `original`

    @property
    def answered(self) -> bool:
        return bool(self.callbacks)

    @property
    def complete(self) -> bool:
        """The response carries its content (not only a defer)."""
        replied = any(c.get("type") in (4, 7) for c in self.callbacks)
        return replied or bool(self.followups or self.edits)

    def message(self) -> dict[str, Any]:
        """The response message as it shows now (for a click: the message clicked on)."""
        if self.original is None:
            raise AssertionError("the interaction has no response message yet")
        return self.original


@dataclass
class Connection:
    """One gateway WebSocket: its frames, session and shard."""

    ws: web.WebSocketResponse
    frames: list[dict[str, Any]] = field(default_factory=list)
    session_id: str = ""
    shard: tuple[int, int] = (0, 1)
    seq: int = 0
    resumed: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)  # op-0 frames sent by `dispatch`


class DiscordStandIn:
    """REST + gateway on 127.0.0.1; state enough for a bot: guilds, channels, messages."""

    def __init__(
        self, *, shards: int = 1, deadline: float = INTERACTION_DEADLINE, validate: bool = True
    ) -> None:
        """`deadline`: seconds an interaction's first response may take (Discord: 3);
        `validate=False` skips the schema checks (benchmarks: they cost more than the bot)."""
        self.shards, self.deadline, self.validate = shards, deadline, validate
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self.channels: dict[str, Channel] = {}
        self.guilds: dict[str, list[str]] = {}  # guild id -> channel ids
        self.messages: dict[str, dict[str, Any]] = {}
        self.threads: list[dict[str, Any]] = []  # created threads and forum posts
        self.reactions: list[tuple[str, str, str]] = []  # (channel, message, emoji) by the bot
        self.user_reactions: dict[tuple[str, str, int], set[str]] = {}
        """(message, emoji, type 0 normal / 1 burst) → the users reacting, set with `react`."""
        self.dms: dict[str, str] = {}  # recipient user id -> DM channel id
        self.closed_dms: set[str] = set()  # users whose DMs answer 403 / 50007
        self.left: set[str] = set()  # guilds the bot was removed from: 403 / 50001
        self.interactions: dict[str, Interaction] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope ("global" / guild) -> list
        self.connections: list[Connection] = []
        self.identifies: list[dict[str, Any]] = []
        self.sessions: set[str] = set()
        self.replay_at_resume = 0
        """The next RESUME gets the session's last this many events again (as Discord may
        replay what it takes for missed), before RESUMED; then back to 0."""
        self._failures: list[Failure] = []
        self._nonces: dict[tuple[str, str], str] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.ws_url = ""

    # -- set-up ---------------------------------------------------------------------------

    def add_guild(self, guild_id: str | None = None, *channels: Channel) -> str:
        """A guild the bot is in, with its channels (a text channel when none is given)."""
        guild_id = guild_id or snowflake()
        made = list(channels) or [Channel(snowflake(), guild_id)]
        self.guilds[guild_id] = [c.id for c in made]
        for channel in made:
            channel.guild_id = guild_id
            self.channels[channel.id] = channel
        return guild_id

    def remove_bot(self, guild_id: str) -> None:
        """The guild removed the bot (kicked it, or left its install) while paperbot was down:
        no gateway event says so, and its channels answer 403 / 50001 Missing Access."""
        self.left.add(guild_id)

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        *,
        code: int = 0,
        retry_after: float = 0.0,
        times: int = 1,
        containing: str = "",
    ) -> None:
        """The next `times` requests whose path matches the regex `path` (and whose body holds
        `containing`) get this answer."""
        pattern = re.compile(path)
        self._failures.append(
            Failure(method, pattern, status, code, retry_after, times, containing)
        )

    def react(
        self, message_id: str, emoji: str, user_id: str, *, added: bool = True, burst: bool = False
    ) -> None:
        """A person adds (or removes) a reaction without any gateway event (the bot is down,
        or its connection is)."""
        key = (message_id, emoji.replace("\ufe0f", ""), int(burst))  # one emoji, with or without
        users = self.user_reactions.setdefault(key, set())  # U+FE0F, as Discord treats it
        if added:
            users.add(user_id)
        else:
            users.discard(user_id)

    async def start(self) -> DiscordStandIn:
        app = web.Application()
        app.router.add_get("/gw", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"{self.ws_url}/gw"

    # -- waiting --------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, check: Callable[[], Any], limit: float = 30.0) -> Any:
        """The first truthy `check()`, re-evaluated whenever the stand-in records something."""
        async with asyncio.timeout(limit), self._changed:
            while not (result := check()):
                await self._changed.wait()
            return result

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        """Requests whose method and path (regex, full match) are these, oldest first."""
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]

    def channel_posts(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages in a channel (or thread), in order, as they show now."""
        return [m for m in self.messages.values() if m["channel_id"] == channel_id]

    # -- gateway --------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: str | None = None) -> None:
        """Send an op-0 event to the connection holding `guild_id`'s shard (else the first)."""
        if event in ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"):  # Discord's state too
            emoji = data.get("emoji") or {}
            name = (
                emoji.get("name") if emoji.get("id") is None else f"{emoji['name']}:{emoji['id']}"
            )
            self.react(
                str(data["message_id"]),
                str(name),
                str(data["user_id"]),
                added=event == "MESSAGE_REACTION_ADD",
                burst=bool(data.get("burst")),
            )
        conn = self._connection_for(guild_id)
        conn.seq += 1
        frame = {"op": 0, "t": event, "s": conn.seq, "d": data}
        conn.events.append(frame)
        await conn.ws.send_str(json.dumps(frame))

    def _connection_for(self, guild_id: str | None) -> Connection:
        live = [c for c in self.connections if not c.ws.closed and c.session_id]
        if not live:
            raise AssertionError("no gateway connection is identified")
        if guild_id is not None:
            for conn in live:
                shard_id, count = conn.shard
                if (int(guild_id) >> 22) % count == shard_id:
                    return conn
        return live[0]

    async def drop(self, code: int = 4000) -> None:
        """Close every gateway connection with a resumable close code (a network blip)."""
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=code)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = Connection(ws)
        self.connections.append(conn)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            conn.frames.append(frame)
            if frame["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif frame["op"] == 2:
                await self._identified(conn, frame["d"])
            elif frame["op"] == 6:
                await self._resumed(conn, frame["d"])
            await self._notify()
        await self._notify()
        return ws

    async def _identified(self, conn: Connection, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        shard = data.get("shard") or [0, 1]
        conn.shard = (int(shard[0]), int(shard[1]))
        conn.session_id = f"session-{snowflake()}"
        self.sessions.add(conn.session_id)
        mine = [g for g in self.guilds if (int(g) >> 22) % conn.shard[1] == conn.shard[0]]
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": g, "unavailable": True} for g in mine],
            "session_id": conn.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
            "shard": list(conn.shard),
        }
        conn.seq += 1
        await conn.ws.send_str(json.dumps({"op": 0, "t": "READY", "s": conn.seq, "d": ready}))
        for guild_id in mine:
            conn.seq += 1
            frame = {"op": 0, "t": "GUILD_CREATE", "s": conn.seq, "d": self.guild(guild_id)}
            await conn.ws.send_str(json.dumps(frame))

    async def _resumed(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("session_id") not in self.sessions:
            await conn.ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        conn.session_id, conn.resumed = data["session_id"], True
        previous = [c for c in self.connections if c.session_id == conn.session_id]
        conn.shard = previous[0].shard if previous else conn.shard
        conn.seq = int(data.get("seq") or 0)
        if self.replay_at_resume:
            earlier = [e for c in previous if c is not conn for e in c.events]
            for frame in earlier[-self.replay_at_resume :]:  # their own sequence numbers
                conn.events.append(frame)
                await conn.ws.send_str(json.dumps(frame))
            self.replay_at_resume = 0
        conn.seq += 1
        frame = {"op": 0, "t": "RESUMED", "s": conn.seq, "d": {}}
        await conn.ws.send_str(json.dumps(frame))

    def guild(self, guild_id: str) -> dict[str, Any]:
        """GUILD_CREATE's payload for a guild."""
        return {
            "id": guild_id,
            "name": f"guild {guild_id[-4:]}",
            "icon": None,
            "owner_id": "1",
            "unavailable": False,
            "member_count": 2,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "members": [],
            "presences": [],
            "voice_states": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "preferred_locale": "ko",
            "joined_at": "2024-01-01T00:00:00+00:00",
            "roles": [
                {
                    "id": guild_id,
                    "name": "@everyone",
                    "permissions": "0",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                }
            ],
            "channels": [self.channels[c].payload() for c in self.guilds.get(guild_id, [])],
        }

    # -- interactions -----------------------------------------------------------------------

    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        channel_id: str,
        user_id: str = "700000000000000001",
        name: str = "Ana",
        locale: str = "ko",
        permissions: int = 0,
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        """Dispatch an INTERACTION_CREATE (2 command, 3 component, 4 autocomplete) in a channel."""
        channel = self.channels[channel_id]
        interaction = Interaction(snowflake(), f"token-{snowflake()}", time.monotonic(), channel_id)
        self.interactions[interaction.token] = interaction
        payload: dict[str, Any] = {
            "id": interaction.id,
            "type": kind,
            "token": interaction.token,
            "version": 1,
            "application_id": APP_ID,
            "data": data,
            "channel": channel.payload(),
            "channel_id": channel_id,
            "locale": locale,
            "attachment_size_limit": 8 * 1024 * 1024,
            "app_permissions": str((1 << 53) - 1),
            "entitlements": [],
            "authorizing_integration_owners": {},
        }
        who = user(user_id, name)
        if channel.guild_id is not None:
            payload["guild_id"] = channel.guild_id
            payload["guild_locale"] = "ko"
            payload["member"] = {
                "user": who,
                "roles": [],
                "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(permissions),
            }
        else:
            payload["user"] = who
        if message is not None:
            payload["message"] = message
            interaction.original = message  # @original of a component is its message
        await self.dispatch("INTERACTION_CREATE", payload, channel.guild_id)
        return interaction

    # -- REST -----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        path = "/" + request.match_info["tail"]
        record = Recorded(request.method, path, dict(request.query), dict(request.headers), body)
        self.requests.append(record)
        try:
            response = self._scripted(record) or await self._route(record)
        except web.HTTPException:
            raise
        record.status = response.status
        await self._notify()
        return response

    def _scripted(self, record: Recorded) -> web.Response | None:
        said = json.dumps(record.body, ensure_ascii=False)
        for failure in self._failures:
            if (
                failure.method == record.method
                and failure.pattern.fullmatch(record.path)
                and failure.containing in said
            ):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return self._failure_response(failure)
        return None

    @staticmethod
    def _failure_response(failure: Failure) -> web.Response:
        if failure.status == 429:
            # discord.py retries a 429 only with `Via` and a JSON `retry_after` (§3.2 detail 2)
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, int(failure.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(failure.retry_after),
                "X-RateLimit-Bucket": "standin-bucket",
                "X-RateLimit-Scope": "user",
            }
            body = {"message": "You are being rate limited.", "retry_after": failure.retry_after,
                    "global": False}  # fmt: skip
            return _json(body, 429, headers)
        return _error(failure.status, failure.code, f"scripted {failure.status}")

    def _check(self, body: Any, schema: str, *, message: bool = False) -> list[str]:
        if not self.validate:
            return []
        errors = discord_payload_errors(body, schema) if message else schema_errors(body, schema)
        self.problems += [f"{schema}: {e}" for e in errors]
        return errors

    async def _route(self, r: Recorded) -> web.Response:
        m, p, body = r.method, r.path, r.body
        if m == "GET" and p == "/users/@me":
            return _json(BOT_USER)
        if m == "GET" and p == "/oauth2/applications/@me":
            return _json(self._application())
        if m == "GET" and p == "/gateway/bot":
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return _json({"url": self.ws_url + "/gw", "shards": self.shards,
                          "session_start_limit": limit})  # fmt: skip
        if found := re.fullmatch(r"/applications/\d+(?:/guilds/(\d+))?/commands", p):
            return self._commands(m, found.group(1) or "global", body)
        if m == "PATCH" and (found := re.fullmatch(r"/channels/(\d+)", p)):
            return self._modify_channel(found.group(1), body)
        if (found := re.match(r"/channels/(\d+)", p)) and self._gone_from(found.group(1)):
            return _error(403, 50001, "Missing Access")
        if found := re.fullmatch(r"/channels/(\d+)", p):
            channel = self.channels.get(found.group(1))
            return _json(channel.payload()) if channel else _error(404, 10003, "Unknown Channel")
        if m == "POST" and (found := re.fullmatch(r"/channels/(\d+)/messages", p)):
            return self._post(found.group(1), body)
        if m == "PATCH" and (found := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", p)):
            return self._edit(found.group(1), found.group(2), body)
        if m == "POST" and (found := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/threads", p)):
            return self._thread(found.group(1), found.group(2), body)
        if m == "POST" and (found := re.fullmatch(r"/channels/(\d+)/threads", p)):
            return self._forum_post(found.group(1), body)
        if m == "GET" and (
            found := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/reactions/([^/]+)", p)
        ):
            emoji = unquote(found.group(3))
            return self._reaction_users(found.group(1), found.group(2), emoji, r.query)
        if m in ("PUT", "DELETE") and (
            found := re.fullmatch(r"/channels/(\d+)/messages/(\d+)/reactions/(.+)/@me", p)
        ):
            return self._own_reaction(m, found.group(1), found.group(2), unquote(found.group(3)))
        if m == "POST" and p == "/users/@me/channels":
            return self._open_dm(body)
        if m == "POST" and (found := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p)):
            return self._callback(found.group(2), body)
        if found := re.fullmatch(r"/webhooks/\d+/([^/]+)(/messages/@original)?", p):
            return self._webhook(m, found.group(1), bool(found.group(2)), body)
        return _error(404, 0, f"stand-in: no route {m} {p}")

    def _gone_from(self, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        return channel is not None and channel.guild_id in self.left

    def _own_reaction(self, method: str, channel: str, message: str, emoji: str) -> web.Response:
        """Create Reaction / Delete Own Reaction: 204 either way, also when nothing changes
        (Discord's answer to a reaction already there, or already gone)."""
        if denied := self._denied(channel):
            return denied
        if self.messages.get(message, {}).get("channel_id") != channel:
            return _error(404, 10008, "Unknown Message")
        held = (channel, message, emoji)
        if method == "PUT" and held not in self.reactions:
            self.reactions.append(held)
        elif method == "DELETE" and held in self.reactions:
            self.reactions.remove(held)
        return web.Response(status=204)

    def _reaction_users(
        self, channel_id: str, message_id: str, emoji: str, query: dict[str, str]
    ) -> web.Response:
        """`list_message_reactions_by_emoji`: users by ascending id, after `after`, at most
        `limit` (1-100, default 25), of reaction type `type` (0 normal, 1 burst)."""
        if channel_id not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return _error(404, 10008, "Unknown Message")
        try:
            limit = int(query.get("limit", "25"))
            kind = int(query.get("type", "0"))
            after = int(query.get("after", "0"))
        except ValueError:
            return _error(400, 50035, "Invalid Form Body: limit, type or after")
        if not 1 <= limit <= 100 or kind not in (0, 1):
            return _error(400, 50035, "Invalid Form Body: limit must be 1-100, type 0 or 1")
        bare = emoji.replace("\ufe0f", "")
        found = set(self.user_reactions.get((message_id, bare, kind), ()))
        own = {(c, m, e.replace("\ufe0f", "")) for c, m, e in self.reactions}
        if kind == 0 and (channel_id, message_id, bare) in own:
            found.add(BOT_ID)  # the bot's own reaction (Create Reaction)
        page = [u for u in sorted(found, key=int) if int(u) > after][:limit]
        return _json([user(u, f"user{u[-4:]}") for u in page])

    def _open_dm(self, body: Any) -> web.Response:
        """Discord answers the same DM channel for a recipient every time."""
        if errors := self._check(body, "CreatePrivateChannelRequest"):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(errors))
        recipient = str((body or {}).get("recipient_id") or "")
        if not recipient:
            self.problems.append("DM opened without a recipient_id")
            return _error(400, 50035, "Invalid Form Body: recipient_id")
        if recipient not in self.dms:
            dm = Channel(snowflake(), None, CHANNEL_DM, name="dm", recipient=recipient)
            self.channels[dm.id] = dm
            self.dms[recipient] = dm.id
        return _json(self.channels[self.dms[recipient]].payload())

    def dm_posts(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the DM with `user_id`, in order (none when it was never opened)."""
        channel = self.dms.get(user_id)
        return [] if channel is None else self.channel_posts(channel)

    def _application(self) -> dict[str, Any]:
        return {
            "id": APP_ID,
            "name": "paperbot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user("1", "owner"),
            "verify_key": "0" * 64,
            "flags": 0,
        }

    def _commands(self, method: str, scope: str, body: Any) -> web.Response:
        if method == "GET":
            return _json(self.commands.get(scope, []))
        if method != "PUT":
            return _error(405, 0, "stand-in: only PUT and GET of commands")
        for command in body:
            if errors := self._check(command, "ApplicationCommandUpdateRequest"):
                return _error(400, 50035, "; ".join(errors))
        echoed = [
            {**c, "id": snowflake(), "application_id": APP_ID, "version": snowflake()} for c in body
        ]
        self.commands[scope] = echoed
        return _json(echoed)

    def _message(self, channel_id: str, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        channel = self.channels[channel_id]
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": "2024-09-20T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "flags": body.get("flags") or 0,
            "pinned": False,
            "type": 0,
            **extra,
        }
        if channel.guild_id is not None:
            message["guild_id"] = channel.guild_id
        return message

    def _denied(self, channel_id: str) -> web.Response | None:
        channel = self.channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel.type == CHANNEL_DM and channel.recipient in self.closed_dms:
            return _error(403, 50007, "Cannot send messages to this user")
        if channel.missing_permission:
            return _error(403, 50013, "Missing Permissions")
        return None

    def _modify_channel(self, channel_id: str, body: Any) -> web.Response:
        """Modify Channel, for a thread's `archived`: a locked one is reopened only with
        Manage Threads, which the bot is not given (403 / 50013)."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if (body or {}).get("archived") is False:
            if channel.locked:
                return _error(403, 50013, "Missing Permissions")
            channel.archived = False
        return _json(channel.payload())

    def _post(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        if denied := self._denied(channel_id):
            return denied
        thread = self.channels[channel_id]
        if thread.archived and thread.locked:  # Send Messages reopens only an unlocked one
            return _error(403, 50083, "Thread is archived")
        thread.archived = False
        if errors := self._check(body, "MessageCreateRequest", message=True):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(errors))
        nonce = (channel_id, str(body.get("nonce"))) if body.get("enforce_nonce") else None
        if nonce is not None and nonce in self._nonces:  # Discord: the same message again
            return _json(self.messages[self._nonces[nonce]])
        message = self._message(channel_id, body)
        self.messages[message["id"]] = message
        if nonce is not None:
            self._nonces[nonce] = message["id"]
        return _json(message)

    def _edit(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        if denied := self._denied(channel_id):
            return denied
        # Discord scopes a message to its channel: one in a thread is edited through the thread
        if self.messages.get(message_id, {}).get("channel_id") != channel_id:
            return _error(404, 10008, "Unknown Message")
        if self.channels[channel_id].archived:
            return _error(400, 50083, "Thread is archived")
        if errors := self._check(body, "MessageEditRequestPartial", message=True):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(errors))
        message = self.messages[message_id]
        message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        message["edited_timestamp"] = "2024-09-20T01:00:00+00:00"
        return _json(message)

    def _thread(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        if denied := self._denied(channel_id):
            return denied
        if errors := self._check(body, "CreateTextThreadWithMessageRequest"):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(errors))
        parent = self.channels[channel_id]
        thread = Channel(message_id, parent.guild_id, CHANNEL_PUBLIC_THREAD, body["name"],
                         parent_id=channel_id)  # fmt: skip
        self.channels[thread.id] = thread
        data = thread.payload()
        self.threads.append({"parent": channel_id, "message": message_id, **body})
        return _json(data)

    def _forum_post(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        if denied := self._denied(channel_id):
            return denied
        forum = self.channels[channel_id]
        if forum.type != CHANNEL_FORUM:
            return _error(400, 50024, "Cannot execute action on this channel type")
        if errors := self._check(body, "CreateForumThreadRequest"):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(errors))
        if problems := self._check(body["message"], "MessageCreateRequest", message=True):
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        known = {t["id"] for t in forum.available_tags}
        if forum.flags & REQUIRE_TAG and not body.get("applied_tags"):
            return _error(400, 40067, "A tag is required to create a forum post in this channel")
        if unknown := [t for t in body.get("applied_tags", []) if t not in known]:
            self.problems.append(f"forum post applies unknown tags {unknown}")
        thread = Channel(snowflake(), forum.guild_id, CHANNEL_PUBLIC_THREAD, body["name"],
                         parent_id=channel_id)  # fmt: skip
        self.channels[thread.id] = thread
        starter = self._message(thread.id, body["message"])
        starter["id"] = thread.id  # a forum post's starter message shares the thread's id
        self.messages[starter["id"]] = starter
        self.threads.append({"parent": channel_id, "thread": thread.id, **body})
        data = {**thread.payload(), "owner_id": BOT_ID, "message_count": 1, "member_count": 1,
                "applied_tags": body.get("applied_tags", []), "message": starter,
                "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                    "archive_timestamp": "2024-09-20T00:00:00+00:00",
                                    "locked": False}}  # fmt: skip
        return _json(data, 201)

    def _callback(self, token: str, body: dict[str, Any]) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None:
            return _error(404, 10062, "Unknown interaction")
        if time.monotonic() - interaction.sent_at > self.deadline:
            return _error(404, 10062, "Unknown interaction")
        if interaction.answered:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = body.get("type")
        schema = {
            4: "CreateMessageInteractionCallbackRequest",
            5: "CreateMessageInteractionCallbackRequest",
            6: "UpdateMessageInteractionCallbackRequest",
            7: "UpdateMessageInteractionCallbackRequest",
            8: "ApplicationCommandAutocompleteCallbackRequest",
        }.get(kind, "")
        if not schema:
            return _error(400, 50035, f"stand-in: callback type {kind}")
        if errors := self._check(body, schema):
            return _error(400, 50035, "; ".join(errors))
        data = body.get("data") or {}
        if kind in (4, 7) and (problems := self._reply_problems(data)):
            return _error(400, 50035, "; ".join(problems))
        interaction.callbacks.append(body)
        ephemeral = bool((data.get("flags") or 0) & 64)
        if kind in (4, 5):
            interaction.original = self._message(interaction.channel_id, data)
            interaction.loading = kind == 5
        elif kind == 7 and interaction.original is not None:
            interaction.original.update({k: v for k, v in data.items() if k != "flags"})
        answer = {"interaction": {"id": interaction.id, "type": 2,
                                  "response_message_ephemeral": ephemeral}}  # fmt: skip
        if interaction.original is not None:
            answer["interaction"]["response_message_id"] = interaction.original["id"]
        return _json(answer)

    def _reply_problems(self, data: dict[str, Any]) -> list[str]:
        """A message-bearing callback's own checks: 6,000 total, content, no mentions."""
        body = dict(data)
        body.pop("flags", None)
        if not self.validate or (not body.get("content") and not body.get("embeds")):
            return []
        errors = discord_payload_errors(body, "IncomingWebhookInteractionRequest")
        self.problems += [f"callback message: {e}" for e in errors]
        return errors

    def _webhook(
        self, method: str, token: str, original: bool, body: dict[str, Any] | None
    ) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        if not interaction.answered:
            return _error(404, 10015, "Unknown Webhook")  # no followups before the callback
        body = body or {}
        if method == "PATCH" and original:
            if self._check(body, "IncomingWebhookUpdateForInteractionCallbackRequestPartial"):
                return _error(400, 50035, "Invalid Form Body")
            if self._reply_problems(body):
                return _error(400, 50035, "Invalid Form Body")
            interaction.edits.append(body)
            if interaction.original is None:
                interaction.original = self._message(interaction.channel_id, body)
            interaction.original.update({k: v for k, v in body.items() if k != "flags"})
            return _json(interaction.original)
        if method == "POST" and not original:
            if errors := self._check(body, "IncomingWebhookInteractionRequest", message=True):
                return _error(400, 50035, "Invalid Form Body: " + "; ".join(errors))
            interaction.followups.append(body)
            if interaction.loading and interaction.original is not None:
                interaction.loading = False  # the follow-up completes the deferred response
                interaction.original.update(body)
                return _json(interaction.original)
            return _json(self._message(interaction.channel_id, body))
        if method == "GET" and original:
            return _json(interaction.original or {})
        return _error(405, 0, f"stand-in: {method} on a webhook")
