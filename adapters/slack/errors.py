"""Slack failures as `DeliveryError`s: one table says which are retried and what a person does.

Slack answers most failures as HTTP 200 with `{"ok": false, "error": code}` (slack_sdk raises
`SlackApiError`); 429 carries `Retry-After`. An unknown code is permanent: retrying what we do not
understand would only repeat it, and the pause alert names the code for a person to look up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError, SlackTokenRotationError

from bot.errors import DeliveryError
from bot.models import Destination
from bot.replies import Text, msg

__all__ = ["ERRORS", "SlackErrorKind", "delivery_error", "slack_error_code"]


@dataclass(frozen=True, slots=True)
class SlackErrorKind:
    """How one Slack error code is handled: retried or not, and the advice in the log.

    A code with advice also names the catalogue sentence `advice.slack.<code>` (same values:
    `channel`, `needed`) that the admin alert says in the admin channel's language."""

    retryable: bool
    advice: str = ""


ERRORS: dict[str, SlackErrorKind] = {
    "ratelimited": SlackErrorKind(True),
    "fatal_error": SlackErrorKind(True),
    "internal_error": SlackErrorKind(True),
    "service_unavailable": SlackErrorKind(True),
    "request_timeout": SlackErrorKind(True),
    "channel_not_found": SlackErrorKind(
        False, "check the channel id {channel} in the config, and invite @paperbot to it"
    ),
    "not_in_channel": SlackErrorKind(False, "invite @paperbot to {channel} (/invite @paperbot)"),
    "is_archived": SlackErrorKind(False, "{channel} is archived: unarchive it or remove it"),
    "invalid_auth": SlackErrorKind(False, "the bot token is wrong: check SLACK_BOT_TOKEN"),
    "not_authed": SlackErrorKind(False, "no bot token: set SLACK_BOT_TOKEN or reinstall the app"),
    "account_inactive": SlackErrorKind(False, "the app's bot user is deactivated: reinstall"),
    "token_revoked": SlackErrorKind(False, "the token was revoked: reinstall the app"),
    "missing_scope": SlackErrorKind(False, "reinstall: missing scope {needed}"),
    "invalid_blocks": SlackErrorKind(False, "a paperbot bug: Slack refused the blocks"),
    "invalid_blocks_format": SlackErrorKind(False, "a paperbot bug: Slack refused the blocks"),
    "msg_too_long": SlackErrorKind(False, "a paperbot bug: the message is too long"),
    "msg_blocks_too_long": SlackErrorKind(False, "a paperbot bug: the blocks are too long"),
    "restricted_action": SlackErrorKind(
        False, "a workspace setting stops the bot posting in {channel}"
    ),
    "message_not_found": SlackErrorKind(False, "the message was deleted"),
    "invalid_refresh_token": SlackErrorKind(False, "the token cannot be refreshed: reinstall"),
    "cant_update_message": SlackErrorKind(False, "the message is not the bot's"),
    # A person's DM ({channel} is `@<user id>`): conversations.open and chat.postMessage
    "cannot_dm_bot": SlackErrorKind(False, "{channel} is a bot: bots cannot be sent DMs"),
    "user_not_found": SlackErrorKind(False, "no user {channel} in this workspace"),
    "user_not_visible": SlackErrorKind(False, "the bot may not see {channel} (a guest?)"),
    "user_disabled": SlackErrorKind(False, "{channel} is deactivated"),
    "not_allowed_token_type": SlackErrorKind(False, "the token is not a bot token (xoxb-…)"),
}


def slack_error_code(exc: SlackApiError) -> str:
    """The `error` of Slack's answer ("" when the body was not Slack's JSON)."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _retry_after(exc: SlackApiError) -> float:
    value = exc.response.headers.get("Retry-After", "") if exc.response is not None else ""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 1.0  # Slack always sends it; a missing one still must not hammer


def delivery_error(exc: BaseException, where: Destination | None = None) -> DeliveryError | None:
    """The `DeliveryError` for what slack_sdk or aiohttp raised; None when it is not Slack's.

    429 is retryable with Slack's Retry-After (slack_sdk retries no 429 itself: the ledger's
    policy waits, once). 5xx, timeouts and connection errors are retryable; the rest go by
    `ERRORS`, unknown codes permanent.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackTokenRotationError):
        exc = exc.api_error  # refreshing a rotating token failed: classified like any call
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code if exc.response is not None else 0
        code = slack_error_code(exc) or f"HTTP {status}"
        if status == 429 or code == "ratelimited":
            return DeliveryError("ratelimited", retryable=True, retry_after=_retry_after(exc))
        if status >= 500:
            return DeliveryError(f"{code} (HTTP {status})", retryable=True)
        kind = ERRORS.get(code, SlackErrorKind(False))
        described, advice = _described(code, kind, exc, where)
        return DeliveryError(described, retryable=kind.retryable, code=code, advice=advice)
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ClientError | ConnectionError):
        return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    if isinstance(exc, SlackRequestError):
        return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    return None


def _described(
    code: str, kind: SlackErrorKind, exc: SlackApiError, where: Destination | None
) -> tuple[str, Text | None]:
    """The English message, and the advice a person reads (None: no advice, or no place)."""
    if not kind.advice:
        return code, None
    data = exc.response.data if exc.response is not None else None
    needed = str(data.get("needed", "")) if isinstance(data, dict) else ""
    channel = "the channel"
    if where is not None:
        channel = f"#{where.name}" if where.name else where.channel
    advice = kind.advice.format(channel=channel, needed=needed or "(see the app's scopes)")
    said = None
    if where is not None:
        said = msg(f"advice.slack.{code}", channel=channel, needed=needed or "?")
    return f"{code}: {advice}", said
