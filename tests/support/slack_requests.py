"""Requests to `/slack/events` exactly as Slack sends them: signed, form-encoded slash commands and
interactivity (`payload=<json>`), JSON events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

__all__ = ["Answer", "SlackSender", "reaction_event", "signature"]

_ids = itertools.count(1)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` HMAC-SHA256 over `v0:{timestamp}:{body}` (platforms.md §1.6)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Answer:
    """Our server's HTTP answer."""

    status: int
    text: str

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.text)) if self.text else {}


class SlackSender:
    """Plays Slack towards one paperbot at `url` (…/slack/events)."""

    def __init__(self, url: str, secret: str, response_url: Any = None) -> None:
        self.url, self.secret = url, secret
        self._response_url = response_url or (lambda: "http://127.0.0.1:9/none")

    async def send(
        self,
        body: bytes,
        content_type: str,
        *,
        secret: str | None = None,
        age: float = 0,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST `body`, signed with `secret` (default: the right one) `age` seconds ago."""
        timestamp = str(int(time.time() - age))
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent["X-Slack-Request-Timestamp"] = timestamp
            sent["X-Slack-Signature"] = signature(secret or self.secret, timestamp, body)
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=sent) as response,
        ):
            return Answer(response.status, await response.text())

    def command_body(
        self,
        text: str,
        *,
        team: str = "T1",
        channel: str = "C1",
        user: str = "U1",
        user_name: str = "ada",
        response_url: str | None = None,
    ) -> bytes:
        """A `/paper` slash command's form body, with every field Slack sends."""
        fields = {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": team.lower(),
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "ml-papers",
            "user_id": user,
            "user_name": user_name,
            "command": "/paper",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_url(),
            "trigger_id": f"{next(_ids)}.1.abc",
        }
        return urlencode(fields).encode()

    async def command(self, text: str, **kwargs: Any) -> Answer:
        """Send `/paper text`."""
        body = self.command_body(text, **kwargs)
        return await self.send(body, "application/x-www-form-urlencoded")

    async def action(
        self,
        action_id: str,
        value: str,
        *,
        team: str = "T1",
        channel: str = "C1",
        user: str = "U1",
        user_name: str = "ada",
        ephemeral: bool = True,
        response_url: str | None = None,
        message_ts: str = "1.2",
        actions: list[dict[str, Any]] | None = None,
        fields: dict[str, object] | None = None,
    ) -> Answer:
        """A click on a button of one of our messages (`block_actions`, form-encoded); the
        message is `message_ts` in `channel`. `actions` replaces the one clicked button (`[]`:
        a payload naming no button); `fields` replaces top-level fields (`{"team": "T1"}`)."""
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user_name, "name": user_name, "team_id": team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"{next(_ids)}.1.abc",
            "team": {"id": team, "domain": team.lower()},
            "channel": {"id": channel, "name": "ml-papers"},
            "response_url": response_url or self._response_url(),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "type": "button",
                    "value": value,
                    "action_ts": "1700000000.1",
                }
            ]
            if actions is None
            else actions,
        }
        payload.update(fields or {})
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.send(body, "application/x-www-form-urlencoded")

    def event_body(self, event: dict[str, Any], *, team: str = "T1", event_id: str = "") -> bytes:
        """An `event_callback` envelope around `event`."""
        envelope = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": team, "user_id": "UBOT", "is_bot": True, "enterprise_id": None}
            ],
            "is_ext_shared_channel": False,
        }
        return json.dumps(envelope).encode()

    async def event(self, event: dict[str, Any], **kwargs: Any) -> Answer:
        """Deliver one event."""
        return await self.send(self.event_body(event, **kwargs), "application/json")


def reaction_event(
    *,
    added: bool = True,
    channel: str = "C1",
    ts: str = "1.2",
    user: str = "U2",
    emoji: str = "bell",
) -> dict[str, Any]:
    """A `reaction_added`/`reaction_removed` event on a message."""
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": emoji,
        "item_user": "UBOT",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": "1700000001.000200",
    }
