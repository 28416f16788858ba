"""Slack failures as `DeliveryError`s: one table says which are retried and what a person does.

Slack answers most failures as HTTP 200 with `{"ok": false, "error": code}` (slack_sdk raises
`SlackApiError`); 429 carries `Retry-After`. An unknown code is permanent: retrying what we do not
understand would only repeat it, and the pause alert names the code for a person to look up.
The advice names the channel as Slack's own `<#C…>` mention (`Markup`: the admin clicks it to
the channel) when its id looks like a Slack channel's; anything else is text the renderer
escapes. The pause keeps the code, so `advice_for` says the advice again when it is shown (to a
person, in their own words, for their DM: `DM_ADVICE`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError, SlackTokenRotationError

from bot.errors import DeliveryError
from bot.models import Destination, ErrorCode, Platform
from bot.replies import Markup, Text, msg

__all__ = [
    "DM_ADVICE",
    "ERRORS",
    "NOT_INSTALLED",
    "SlackErrorKind",
    "advice_for",
    "delivery_error",
    "not_installed",
    "slack_error_code",
    "workspace_advice",
]

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{8,20}")
"""A Slack channel id (public `C…`, private `G…`): the only thing made a `<#…>` mention."""


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
    # Ours, not Slack's: OAuth (many workspaces) and no installation stored for the workspace
    "not_installed": SlackErrorKind(
        False,
        "Slack workspace {workspace} has not installed paperbot: install the app there"
        " from this service's /slack/install (installing resumes what this paused)",
    ),
    # Slack's events, not a call's error: the workspace's channels are paused with their name
    "app_uninstalled": SlackErrorKind(False, "the workspace removed the app: reinstall it"),
    "tokens_revoked": SlackErrorKind(False, "the workspace revoked the bot token: reinstall it"),
}


NOT_INSTALLED = "not_installed"
"""The code of a call for a workspace with no stored installation (OAuth): permanent, like a
lost workspace's, and what its install resumes (`bot.wiring.slack.INSTALL_RESUMES`)."""


def not_installed(workspace: str) -> DeliveryError:
    """The failure of a call for `workspace` when no installation of the app is stored for it
    (never installed, or forgotten at its uninstall): permanent, with the admin's advice."""
    where = Destination(Platform.SLACK, workspace, "")
    advice = ERRORS[NOT_INSTALLED].advice.format(workspace=workspace)
    return DeliveryError(
        f"{NOT_INSTALLED}: {advice}",
        retryable=False,
        code=NOT_INSTALLED,
        advice=_advice(where, ErrorCode(NOT_INSTALLED), dm=False),
    )


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
        described, advice, detail = _described(code, kind, exc, where)
        return DeliveryError(
            described, retryable=kind.retryable, code=code, advice=advice, detail=detail
        )
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ClientError | ConnectionError):
        return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    if isinstance(exc, SlackRequestError):
        return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    return None


def _described(
    code: str, kind: SlackErrorKind, exc: SlackApiError, where: Destination | None
) -> tuple[str, Text | None, str]:
    """The English message, the advice a person reads (None: no advice, or no place), and the
    advice's detail (the scope missing) for the pause to keep."""
    if not kind.advice:
        return code, None, ""
    data = exc.response.data if exc.response is not None else None
    needed = str(data.get("needed", "")) if isinstance(data, dict) else ""
    channel = _plain(where) if where is not None else "the channel"
    workspace = where.workspace if where is not None else "?"
    advice = kind.advice.format(
        channel=channel, needed=needed or "(see the app's scopes)", workspace=workspace
    )
    detail = needed if "{needed}" in kind.advice else ""
    said = _advice(where, ErrorCode(code, detail), dm=False) if where is not None else None
    return f"{code}: {advice}", said, detail


DM_ADVICE = frozenset(
    {
        "channel_not_found",
        "missing_scope",
        "user_not_visible",
        "restricted_action",
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "invalid_refresh_token",
        "not_allowed_token_type",
        "not_installed",
        "app_uninstalled",
        "tokens_revoked",
    }
)
"""Codes whose advice is an admin's (the config, the token, the app's scopes, access and
installation, or the person spoken of as "they"): a person's DM (`@<user id>`) says
`advice.slack.dm.<code>` instead, to the person its notice is for; the alert (the error's
`advice`) keeps the admin's sentence."""


def advice_for(where: Destination, code: ErrorCode) -> Text | None:
    """The catalogue sentence `advice.slack.<code>` for `where` (values `channel`, `needed`),
    `advice.slack.dm.<code>` for a person's DM where it differs (only that person reads a DM's
    pause); None for a code with no advice."""
    return _advice(where, code, dm=where.channel.startswith("@") and code.code in DM_ADVICE)


def workspace_advice(code: str) -> Text | None:
    """The admin's advice for a code about a whole workspace (`app_uninstalled`,
    `tokens_revoked`: no channel in it); None for a code with no advice."""
    return _advice(Destination(Platform.SLACK, "", ""), ErrorCode(code), dm=False)


def _advice(where: Destination, code: ErrorCode, *, dm: bool) -> Text | None:
    kind = ERRORS.get(code.code)
    if kind is None or not kind.advice:
        return None
    key = f"advice.slack.{'dm.' if dm else ''}{code.code}"
    return msg(key, channel=_mention(where), needed=code.detail or "?", workspace=where.workspace)


def _plain(where: Destination) -> str:
    """The channel as text: `#name`, or its id; a person's DM (`@<user id>`) as it is."""
    if where.name and not where.channel.startswith("@"):
        return f"#{where.name}"
    return where.channel


def _mention(where: Destination) -> str | Markup:
    """`<#C…>` (Slack shows it as the channel's linked name) for a Slack channel id; anything
    else as text, escaped by the renderer (a hostile key cannot turn into markup)."""
    if _CHANNEL_ID.fullmatch(where.channel):
        return Markup(f"<#{where.channel}>", Platform.SLACK)
    return _plain(where)
