"""Cron slots: the fire times of a destination's schedule, named in its own local time.

A slot's key is its local wall-clock time (`slot:2024-11-03T01:30`), so the two instants of an
ambiguous autumn hour name one slot and the ledger runs it once; APScheduler 3.11 fires a
spring-forward gap time an hour later (02:30 → 03:30 local), which stays one slot as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import islice, takewhile

from apscheduler.triggers.cron import CronTrigger

from bot.errors import non_ascii_digit

__all__ = [
    "fire_times",
    "latest_slot",
    "make_trigger",
    "next_fire_times",
    "non_ascii_field",
    "slot_key",
]

_FIELDS = ("minute", "hour", "day of month", "month", "day of week")

_STEP = timedelta(seconds=1)


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_days(field: str) -> str:
    """Crontab weekdays (0 or 7 = Sunday) as APScheduler day names.

    APScheduler 3.11's `from_crontab` reads numbers as 0 = Monday, so `1-5` would mean
    Tuesday to Saturday; spelling out names keeps the crontab meaning.
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text else 1
        if span == "*":
            first, last = 0, 6
        else:
            low, _, high = span.partition("-")
            first = _day_number(low)
            last = _day_number(high) if high else (6 if step_text else first)
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def _day_number(token: str) -> int:
    if token in _DAY_NAMES:
        return _DAY_NAMES.index(token)
    number = int(token)
    if not 0 <= number <= 7:
        raise ValueError(f"day of week {token!r} is not 0-7")
    return number


def non_ascii_field(schedule: str) -> tuple[int, str, str] | None:
    """The first cron field written with a digit that is not ASCII (`0 ８ * * *`: the hour):
    its position (1-based), its name and that digit, or None. APScheduler reads any script's
    digits (`\\d`, `int()`); a schedule is written 0-9, so a new one with such a field is
    refused by name (`bot.digest.settings.schedule_problem`); one stored before still fires."""
    fields = schedule.split()
    names = ("second", *_FIELDS) if len(fields) == 6 else _FIELDS
    for position, (name, field) in enumerate(zip(names, fields, strict=False), start=1):
        if (char := non_ascii_digit(field)) is not None:
            return position, name, char
    return None


def make_trigger(schedule: str, tz: tzinfo) -> CronTrigger:
    """A crontab trigger in `tz`; six fields mean seconds first (used by tests and benchmarks)."""
    fields = schedule.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"wrong number of fields: {len(fields)}, expected 5")
    second = fields.pop(0) if len(fields) == 6 else "0"
    minute, hour, day, month, dow = fields
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_days(dow),
        timezone=tz,
    )


def slot_key(fire_time: datetime, tz: tzinfo) -> str:
    """The ledger's digest key of a slot: local date and time, seconds only when set."""
    local = fire_time.astimezone(tz)
    spec = "seconds" if local.second else "minutes"
    return "slot:" + local.replace(tzinfo=None).isoformat(timespec=spec)


def _fires(trigger: CronTrigger, start: datetime) -> Iterator[datetime]:
    """Fire times at or after `start`, in order, as UTC instants: one trigger step each.

    Steps on UTC instants: local wall times compare naively within one zone, which would loop
    forever inside a repeated autumn hour.
    """
    cursor = start.astimezone(UTC)
    while (
        fire := trigger.get_next_fire_time(None, cursor.astimezone(trigger.timezone))
    ) is not None:
        instant = fire.astimezone(UTC)
        yield instant
        cursor = instant + _STEP


def fire_times(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in [start, end], in order, as UTC instants."""
    end = end.astimezone(UTC)
    return list(takewhile(lambda instant: instant <= end, _fires(trigger, start)))


def next_fire_times(trigger: CronTrigger, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` fire times at or after `after`: `count` trigger steps, however often
    the schedule fires (a window of days would hold millions of times for `* * * * * *`)."""
    return list(islice(_fires(trigger, after), count))


def latest_slot(trigger: CronTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """The last fire time at or before `now` and no older than `grace`: the slot to run now.

    Several missed slots coalesce into this one; older than `grace` means none.
    """
    times = fire_times(trigger, now - grace, now)
    return times[-1] if times else None
