"""Destinations set from chat, and every destination's runtime state (start day, pause)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings, Origin
from bot.models import Destination, ErrorCode, Layout, Platform
from bot.store.delivery_schema import DestinationRow, DestinationStateRow

__all__ = ["RESUMED", "DestinationState", "SqlDestinationStore"]

RESUMED: dict[str, object] = {
    "paused": False,
    "pause_reason": "",
    "pause_code": None,
    "consecutive_failures": 0,
}
"""A resumed destination's state columns: the pause's reason and code are cleared (no stale code
stays stored) and the failure count starts again (`set_paused(False)`, `resume_paused_by`, a
person's `resume_dm`)."""


@dataclass(frozen=True, slots=True)
class DestinationState:
    """Runtime state; a destination with no row yet has never run."""

    started: bool = False
    start_day: date | None = None
    consecutive_failures: int = 0
    paused: bool = False
    pause_reason: str = ""
    """The platform's reason in English (logs), said where the code has no advice."""
    pause_code: ErrorCode | None = None
    """The platform's error code that paused it (None: by hand, no code, or a row from before)."""


def _settings(row: DestinationRow) -> DestinationSettings:
    return DestinationSettings(
        destination=Destination(
            platform=Platform(row.platform),
            workspace=row.workspace,
            channel=row.channel,
            name=row.name,
            timezone=row.timezone,
            locale=row.locale,
        ),
        schedule=row.schedule,
        filter_text=row.filter_text,
        max_entries=row.max_entries,
        layout=Layout(row.layout),
        enabled=row.enabled,
        backfill=Backfill(row.backfill),
        empty_message=row.empty_message,
        origin=Origin.CHAT,
    )


def _fill(row: DestinationRow, s: DestinationSettings, by: str, now: datetime) -> None:
    d = s.destination
    row.platform, row.workspace, row.channel = d.platform.value, d.workspace, d.channel
    row.name, row.timezone, row.locale = d.name, d.timezone, d.locale
    row.schedule, row.filter_text, row.max_entries = s.schedule, s.filter_text, s.max_entries
    row.layout, row.backfill, row.enabled = s.layout.value, s.backfill.value, s.enabled
    row.empty_message, row.updated_by, row.updated_at = s.empty_message, by, now


class SqlDestinationStore:
    """Chat-set settings and runtime state, one short transaction per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def chat_destinations(self) -> list[DestinationSettings]:
        """Every destination set from chat, by key."""
        async with self._sessions() as session:
            rows = await session.scalars(select(DestinationRow).order_by(DestinationRow.key))
            return [_settings(row) for row in rows]

    async def save(self, settings: DestinationSettings, *, by: str, now: datetime) -> None:
        """Insert or replace a chat-set destination."""
        async with self._sessions() as session, session.begin():
            row = await session.get(DestinationRow, settings.key)
            if row is None:
                row = DestinationRow(key=settings.key)
                session.add(row)
            _fill(row, settings, by, now)

    async def state(self, key: str) -> DestinationState:
        """The destination's runtime state (defaults when it never ran)."""
        async with self._sessions() as session:
            row = await session.get(DestinationStateRow, key)
        if row is None:
            return DestinationState()
        code = ErrorCode.parse(row.pause_code) if row.paused and row.pause_code else None
        return DestinationState(
            row.started, row.start_day, row.consecutive_failures, row.paused, row.pause_reason, code
        )

    async def start(self, key: str, start_day: date | None, now: datetime) -> date | None:
        """Fix where a destination's history starts, once; returns the day that holds."""
        try:
            async with self._sessions() as session, session.begin():
                row = await session.get(DestinationStateRow, key)
                if row is None:
                    row = self._new_row(key, now)
                    session.add(row)
                if not row.started:
                    row.started, row.start_day, row.updated_at = True, start_day, now
                return row.start_day
        except IntegrityError:  # another process created it at the same moment
            return (await self.state(key)).start_day

    @staticmethod
    def _new_row(key: str, now: datetime) -> DestinationStateRow:
        return DestinationStateRow(
            key=key,
            started=False,
            start_day=None,
            consecutive_failures=0,
            paused=False,
            pause_reason="",
            pause_code=None,
            updated_at=now,
        )

    async def _update(self, key: str, now: datetime, **values: object) -> DestinationStateRow:
        async with self._sessions() as session, session.begin():
            row = await session.get(DestinationStateRow, key, with_for_update=True)
            if row is None:
                row = self._new_row(key, now)
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            return row

    async def record_success(self, key: str, now: datetime) -> None:
        """A run went out: the consecutive failure count starts again from zero."""
        await self._update(key, now, consecutive_failures=0)

    async def record_permanent_failure(
        self,
        key: str,
        reason: str,
        *,
        pause_after: int,
        now: datetime,
        code: ErrorCode | None = None,
    ) -> bool:
        """Count a permanent failure; True when this one paused the destination, keeping its
        English `reason` and the platform's `code` (said again as advice when shown)."""
        async with self._sessions() as session, session.begin():
            row = await session.get(DestinationStateRow, key, with_for_update=True)
            if row is None:
                row = self._new_row(key, now)
                session.add(row)
            row.consecutive_failures += 1
            row.updated_at = now
            if row.paused or row.consecutive_failures < pause_after:
                return False
            row.paused, row.pause_reason = True, reason[:2000]
            row.pause_code = str(code)[:500] if code is not None else None
            return True

    async def set_paused(
        self, key: str, paused: bool, reason: str, now: datetime, *, code: ErrorCode | None = None
    ) -> None:
        """Pause or resume a destination without a failed run: by hand (no code), or for a
        platform's event with its `code` (a Slack workspace removed the app); resuming clears
        the code and the failure count, so no stale code is stored."""
        values = _paused(reason, code) if paused else RESUMED
        await self._update(key, now, **values)

    async def pause_running(
        self, key: str, reason: str, now: datetime, *, code: ErrorCode | None = None
    ) -> bool:
        """Pause a destination that is not paused yet (one paused already keeps its own reason
        and code: a lost workspace does not overwrite a channel error's or a manual pause, so a
        reinstall resumes only its own); True when this call paused it."""
        async with self._sessions() as session, session.begin():
            row = await session.get(DestinationStateRow, key, with_for_update=True)
            if row is None:
                row = self._new_row(key, now)
                session.add(row)
            if row.paused:
                return False
            for name, value in _paused(reason, code).items():
                setattr(row, name, value)
            row.updated_at = now
            return True

    async def resume_paused_by(self, key: str, codes: Collection[str], now: datetime) -> bool:
        """Resume the destination as `set_paused(False)` does, only while a pause with one of
        `codes` holds it (a reinstall lifts what the uninstall paused, no other pause); True
        when this call resumed it. The next run takes the notes of the gap, as after any
        resume (the ledger gives a destination every note no run of it took)."""
        r = DestinationStateRow
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(r)
                .where(r.key == key, r.paused.is_(True), r.pause_code.in_(list(codes)))
                .values(**RESUMED, updated_at=now)
                .returning(r.key)
            )
            return result.first() is not None


def _paused(reason: str, code: ErrorCode | None) -> dict[str, object]:
    return {
        "paused": True,
        "pause_reason": reason,
        "pause_code": str(code)[:500] if code is not None else None,
    }
