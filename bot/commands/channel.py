"""The core of `/paper digest preview|now` and `/paper channel show|set …`, platform-neutral.

Adapters pass who asked and whether the platform calls them an admin (Slack workspace admin or
owner, Discord Manage Server); user ids listed in config are admins too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.cron import next_fire_times, slot_key
from bot.delivery.service import Delivery
from bot.digest.settings import DestinationSettings, Origin
from bot.errors import ConfigError
from bot.models import Destination, Digest, Layout

__all__ = ["ChannelCommands", "CommandContext", "CommandResult"]

SETTABLE = ("schedule", "timezone", "filter", "layout", "locale", "enable", "disable")


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Where a command was typed and by whom."""

    destination: Destination
    user_id: str
    platform_admin: bool = False


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A reply for the adapter to render: text, and the digest for a preview."""

    ok: bool
    text: str
    digest: Digest | None = None


_NOT_ADMIN = CommandResult(False, "Only workspace admins (or admins listed in config) can do that.")


class ChannelCommands:
    """Reads and changes this channel's digest settings; changes rebuild the schedule."""

    def __init__(
        self, delivery: Delivery, *, on_change: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self._delivery, self._on_change = delivery, on_change

    def is_admin(self, ctx: CommandContext) -> bool:
        """Platform admins, plus user ids from `[delivery] admin_user_ids`."""
        return ctx.platform_admin or ctx.user_id in self._delivery.config.admin_user_ids

    async def _settings(self, ctx: CommandContext) -> DestinationSettings | None:
        return await self._delivery.catalog.get(ctx.destination.key)

    async def preview(self, ctx: CommandContext) -> CommandResult:
        """What the next digest here would hold (nothing is taken or sent)."""
        settings = await self._settings(ctx)
        if settings is None:
            return CommandResult(False, "This channel gets no digest. An admin can enable it.")
        digest = await self._delivery.runner.preview(settings, "preview", dry_run=True)
        if digest is None:
            return CommandResult(True, "Nothing new for the next digest here.")
        text = f"The next digest here holds {len(digest.notes)} notes."
        return CommandResult(True, text, digest)

    async def now(self, ctx: CommandContext) -> CommandResult:
        """Run this channel's digest now, through the ledger (admin)."""
        if not self.is_admin(ctx):
            return _NOT_ADMIN
        settings = await self._settings(ctx)
        if settings is None:
            return CommandResult(False, "This channel gets no digest. Enable it first.")
        key = "now:" + self._delivery.clock.now().isoformat(timespec="seconds")
        outcome = await self._delivery.runner.run(settings, key, trigger="manual")
        return CommandResult(outcome.value in ("sent", "empty"), f"Digest run {key}: {outcome}.")

    async def show(self, ctx: CommandContext) -> CommandResult:
        """This channel's schedule, time zone, filter, layout, locale, last and next run (admin)."""
        if not self.is_admin(ctx):
            return _NOT_ADMIN
        settings = await self._settings(ctx)
        if settings is None:
            return CommandResult(True, "This channel gets no digest.")
        return CommandResult(True, "\n".join(await self._describe(settings)))

    async def _describe(self, s: DestinationSettings) -> list[str]:
        state = await self._delivery.destinations.state(s.key)
        runs = await self._delivery.ledger.recent_runs(s.key, 1)
        tz = ZoneInfo(s.destination.timezone)
        now = self._delivery.clock.now()
        upcoming = next_fire_times(s.trigger(), now)
        lines = [
            f"schedule: {s.schedule} ({s.destination.timezone})",
            f"filter: {s.filter_text or '(all notes)'}",
            f"layout: {s.layout.value} · locale: {s.destination.locale}",
            f"enabled: {'yes' if s.enabled else 'no'} · set in: {s.origin.value}",
            f"last run: {runs[0].digest_key} {runs[0].status}" if runs else "last run: never",
            f"next run: {slot_key(upcoming[0], tz)}" if upcoming else "next run: none",
        ]
        if state.paused:
            lines.append(f"PAUSED: {state.pause_reason}. `/paper channel set enable` resumes.")
        return lines

    async def set(self, ctx: CommandContext, field: str, value: str = "") -> CommandResult:
        """Change one setting of this channel (admin); config-declared channels are read-only."""
        if not self.is_admin(ctx):
            return _NOT_ADMIN
        if field not in SETTABLE:
            return CommandResult(
                False, f"Unknown setting {field!r}; one of: {', '.join(SETTABLE)}."
            )
        if self._delivery.catalog.declared(ctx.destination.key) is not None:
            return CommandResult(
                False, "This channel is declared in the config file; change it there."
            )
        current = await self._settings(ctx) or DestinationSettings(
            destination=ctx.destination, origin=Origin.CHAT
        )
        try:
            updated = current.with_changes(**_change(field, value))
        except (ConfigError, ValueError) as exc:
            return CommandResult(False, f"Not changed: {exc}")
        await self._save(ctx, updated, field)
        return CommandResult(True, f"{field} updated.\n" + "\n".join(await self._describe(updated)))

    async def _save(self, ctx: CommandContext, updated: DestinationSettings, field: str) -> None:
        now = self._delivery.clock.now()
        await self._delivery.catalog.save(updated, by=ctx.user_id, now=now)
        if field == "enable":
            await self._delivery.destinations.set_paused(updated.key, False, "", now)
        if self._on_change is not None:
            await self._on_change()


def _change(field: str, value: str) -> dict[str, object]:
    value = value.strip().strip('"')
    if field == "enable":
        return {"enabled": True}
    if field == "disable":
        return {"enabled": False}
    if field == "filter":
        return {"filter_text": value}
    if field == "layout":
        return {"layout": Layout(value)}
    return {field: value}
