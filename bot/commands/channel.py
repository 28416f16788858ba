"""The core of `/paper digest preview|now` and `/paper channel show|set …`, platform-neutral.

Adapters pass who asked and whether the platform calls them an admin (Slack workspace admin or
owner, Discord Manage Server); user ids listed in config are admins too. Answers are catalogue
`Text`s, said in the asker's language by the renderer. A built-in destination (the terminal
when no config declares any) is a default: chat may change it, as it may any undeclared one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cron import next_fire_times, non_ascii_field, slot_key
from bot.delivery.advice import PauseAdvice
from bot.delivery.service import Delivery
from bot.digest.settings import MAX_SCHEDULE_CHARS, DestinationSettings, Origin, schedule_problem
from bot.errors import ConfigError
from bot.models import Destination, Digest, Layout
from bot.replies import Text, msg

__all__ = ["ChannelCommands", "CommandContext", "CommandResult"]

SETTABLE = ("schedule", "timezone", "filter", "layout", "locale", "enable", "disable")
RUN_OUTCOMES = ("sent", "empty", "already", "skipped", "failed")
"""Run outcomes with their own sentence (`channel.run_<outcome>`); others say `run_other`."""
RUN_STATUSES = ("pending", "sent", "empty", "failed")
"""Ledger run statuses with a word in the catalogue (`word.<status>`)."""


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Where a command was typed and by whom."""

    destination: Destination
    user_id: str
    platform_admin: bool = False


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A reply for the adapter to render: lines of catalogue text, and a preview's digest."""

    ok: bool
    lines: tuple[Text, ...]
    digest: Digest | None = None


def _result(ok: bool, key: str, /, **params: str | int | Text) -> CommandResult:
    return CommandResult(ok, (msg(key, **params),))


_NOT_ADMIN = _result(False, "channel.not_admin")


class ChannelCommands:
    """Reads and changes this channel's digest settings; changes rebuild the schedule."""

    def __init__(
        self, delivery: Delivery, *, on_change: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self._delivery, self._on_change = delivery, on_change
        self._pauses = PauseAdvice(delivery.destinations, delivery.publisher)

    def is_admin(self, ctx: CommandContext) -> bool:
        """Platform admins, plus user ids from `[delivery] admin_user_ids`."""
        return ctx.platform_admin or ctx.user_id in self._delivery.config.admin_user_ids

    async def _settings(self, ctx: CommandContext) -> DestinationSettings | None:
        return await self._delivery.catalog.get(ctx.destination.key)

    async def preview(self, ctx: CommandContext) -> CommandResult:
        """What the next digest here would hold (nothing is taken or sent)."""
        settings = await self._settings(ctx)
        if settings is None:
            return _result(False, "channel.no_digest_hint")
        digest = await self._delivery.runner.preview(settings, "preview", dry_run=True)
        if digest is None:
            return _result(True, "channel.preview_empty")
        lines = (msg("channel.preview", count=len(digest.notes)),)
        return CommandResult(True, lines, digest)

    async def now(self, ctx: CommandContext) -> CommandResult:
        """Run this channel's digest now, through the ledger (admin)."""
        if not self.is_admin(ctx):
            return _NOT_ADMIN
        settings = await self._settings(ctx)
        if settings is None:
            return _result(False, "channel.no_digest_hint")
        key = "now:" + self._delivery.clock.now().isoformat(timespec="seconds")
        outcome = await self._delivery.runner.run(settings, key, trigger="manual")
        ok = outcome.value in ("sent", "empty")
        if outcome.value in RUN_OUTCOMES:
            return _result(ok, f"channel.run_{outcome.value}")
        return _result(ok, "channel.run_other", outcome=outcome.value)

    async def show(self, ctx: CommandContext) -> CommandResult:
        """This channel's schedule, time zone, filter, layout, locale, last and next run, and
        each stored value a check added since refuses, with its fix, as `set` names it (admin)."""
        if not self.is_admin(ctx):
            return _NOT_ADMIN
        settings = await self._settings(ctx)
        if settings is None:
            return _result(True, "channel.no_digest")
        return CommandResult(True, tuple(await self._describe(settings)))

    async def _describe(self, s: DestinationSettings) -> list[Text]:
        """The settings as `show` and a `set`'s answer say them, ending with a line per stored
        value refused now (`_stored_refused`)."""
        state = await self._delivery.destinations.state(s.key)
        runs = await self._delivery.ledger.recent_runs(s.key, 1)
        tz = ZoneInfo(s.destination.timezone)
        now = self._delivery.clock.now()
        upcoming = next_fire_times(s.trigger(), now)
        lines = [
            msg("channel.schedule", schedule=s.schedule, timezone=s.destination.timezone),
            msg("channel.filter", filter=s.filter_text or msg("channel.all_notes")),
            msg("channel.layout", layout=s.layout.value, locale=s.destination.locale),
            msg(
                "channel.enabled",
                enabled=msg("word.yes" if s.enabled else "word.no"),
                origin=msg(f"word.{s.origin.value}"),
            ),
            msg(
                "channel.last_run",
                when=_when(runs[0].digest_key, tz),
                status=_status(runs[0].status),
            )
            if runs
            else msg("channel.never_run"),
            msg("channel.next_run", when=_when(slot_key(upcoming[0], tz), tz))
            if upcoming
            else msg("channel.no_next_run"),
        ]
        if state.paused:
            lines.append(self._pauses.line(s.destination, state))
        return [*lines, *_stored_refused(s)]

    async def set(self, ctx: CommandContext, field: str, value: str = "") -> CommandResult:
        """Change one setting of this channel (admin); config-declared channels are read-only,
        but `enable` resumes one that is paused."""
        if not self.is_admin(ctx):
            return _NOT_ADMIN
        if field not in SETTABLE:
            return _result(
                False, "channel.unknown_setting", field=field, choices=", ".join(SETTABLE)
            )
        declared = self._delivery.catalog.declared(ctx.destination.key)
        if declared is not None:
            if field == "enable" and (await self._delivery.destinations.state(declared.key)).paused:
                return await self._resume(declared)
            return _result(False, "channel.declared")
        current = await self._settings(ctx) or DestinationSettings(destination=ctx.destination)
        try:
            updated = replace(current, origin=Origin.CHAT).with_changes(**_change(field, value))
        except (ConfigError, ValueError):
            return _refused(field, value)
        await self._save(ctx, updated, field)
        described = await self._describe(updated)
        return CommandResult(True, (msg("channel.updated", field=field), *described))

    async def _resume(self, declared: DestinationSettings) -> CommandResult:
        """A config-declared channel's settings stay the file's, but a pause is the bot's own
        state: `set enable` clears it here too, or the pause line's advice would be a dead end."""
        await self._delivery.destinations.set_paused(
            declared.key, False, "", self._delivery.clock.now()
        )
        if self._on_change is not None:
            await self._on_change()
        return CommandResult(True, (msg("channel.resumed"), *await self._describe(declared)))

    async def _save(self, ctx: CommandContext, updated: DestinationSettings, field: str) -> None:
        now = self._delivery.clock.now()
        await self._delivery.catalog.save(updated, by=ctx.user_id, now=now)
        if field == "enable":
            await self._delivery.destinations.set_paused(updated.key, False, "", now)
        if self._on_change is not None:
            await self._on_change()


_BAD_VALUE = {
    "schedule": "channel.bad_schedule",
    "timezone": "channel.bad_timezone",
    "filter": "channel.bad_filter",
    "layout": "channel.bad_layout",
    "locale": "channel.bad_locale",
}
"""Why a value was refused, per setting: one setting changes at a time, so the field says it."""


def _refused(field: str, value: str) -> CommandResult:
    """Why `value` cannot be this setting, in the words the problem needs."""
    schedule = _unquoted(value)
    problem = schedule_problem(schedule) if field == "schedule" else None
    if problem == "too_long":
        return _result(
            False, "channel.schedule_too_long", length=len(schedule), limit=MAX_SCHEDULE_CHARS
        )
    if problem == "never":
        return _result(False, "channel.schedule_never", value=value)
    if problem == "not_ascii" and (found := non_ascii_field(schedule)) is not None:
        position, name, char = found
        return _result(
            False,
            "channel.schedule_not_ascii",
            value=value,
            position=position,
            field=name,
            char=char,
            digit=unicodedata.decimal(char),
        )
    return _result(False, _BAD_VALUE.get(field, "channel.bad_value"), value=value, field=field)


_STORED: dict[str, tuple[str, Callable[[DestinationSettings], str]]] = {
    "schedule": ("schedule", lambda s: s.schedule),
    "timezone": ("timezone", lambda s: s.destination.timezone),
    "filter": ("filter_text", lambda s: s.filter_text),
    "locale": ("locale", lambda s: s.destination.locale),
}
"""The settings `set` changes whose stored value a check may refuse now → their field, value."""


def _stored_refused(s: DestinationSettings) -> list[Text]:
    """A line for each stored setting that a check added since it was saved refuses (a
    never-firing schedule, `localtime`), saying how to change it: it is kept until then."""
    return [
        msg("channel.stored_refused", field=setting, value=f'"{stored(s)}"')
        for setting, (field, stored) in _STORED.items()
        if s.problems(only={field})
    ]


def _when(digest_key: str, tz: ZoneInfo) -> str:
    """A run's time as a person reads it, on the channel's clock like its schedule:
    `slot:2024-09-20T09:00` (a slot is named by wall-clock time) -> `2024-09-20 09:00`, and
    `now:2024-09-20T00:00:00+00:00` (an instant) -> `2024-09-20 09:00` in Asia/Seoul."""
    when = digest_key.partition(":")[2]
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return when.replace("T", " ") or digest_key
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


def _status(status: str) -> Text | str:
    return msg(f"word.{status}") if status in RUN_STATUSES else status


def _unquoted(value: str) -> str:
    """A setting's value as typed, without the spaces and quotes around it."""
    return value.strip().strip('"')


def _change(field: str, value: str) -> dict[str, object]:
    value = _unquoted(value)
    if field == "enable":
        return {"enabled": True}
    if field == "disable":
        return {"enabled": False}
    if field == "filter":
        return {"filter_text": value}
    if field == "layout":
        return {"layout": Layout(value)}
    return {field: value}
