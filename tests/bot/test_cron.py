"""Cron slots as datetime in, datetime out, in several time zones and across DST changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.cron import fire_times, latest_slot, make_trigger, next_fire_times, slot_key

SEOUL, NEW_YORK, BERLIN = (
    ZoneInfo("Asia/Seoul"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/Berlin"),
)


@pytest.mark.parametrize(
    ("tz", "utc_time"),
    [(SEOUL, (0, 0)), (BERLIN, (7, 0)), (NEW_YORK, (13, 0)), (ZoneInfo("Asia/Kolkata"), (3, 30))],
)
def test_nine_o_clock_is_local(tz: ZoneInfo, utc_time: tuple[int, int]) -> None:
    trigger = make_trigger("0 9 * * *", tz)
    start = datetime(2024, 9, 20, 0, 0, tzinfo=UTC) - timedelta(hours=14)
    first = fire_times(trigger, start, start + timedelta(days=1))[0]
    assert first.astimezone(tz).hour == 9
    assert (first.hour, first.minute) == utc_time  # fire times are UTC instants


class CountingTrigger(CronTrigger):
    """The same cron trigger, counting how often it is asked for a next fire time."""

    def __init__(self, trigger: CronTrigger) -> None:
        self.__setstate__(trigger.__getstate__())
        self.steps = 0

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        self.steps += 1
        return super().get_next_fire_time(previous_fire_time, now)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("*/5 * * * *", ["slot:2024-09-20T09:05", "slot:2024-09-20T09:10"]),
        ("* * * * *", ["slot:2024-09-20T09:03", "slot:2024-09-20T09:04"]),
        ("* * * * * *", ["slot:2024-09-20T09:02:31", "slot:2024-09-20T09:02:32"]),
    ],
)
def test_next_fire_times_step_once_per_time(schedule: str, expected: list[str]) -> None:
    """A `* * * * * *` schedule has 34 million fire times in 400 days; asking for two takes two
    steps of the trigger, not a walk over a window."""
    trigger = CountingTrigger(make_trigger(schedule, SEOUL))
    now = datetime(2024, 9, 20, 9, 2, 30, 500_000, tzinfo=SEOUL)
    assert [slot_key(t, SEOUL) for t in next_fire_times(trigger, now, 2)] == expected
    assert trigger.steps == 2


def test_next_fire_time_at_now_is_now() -> None:
    trigger = make_trigger("0 9 * * *", SEOUL)
    nine = datetime(2024, 9, 20, 9, 0, tzinfo=SEOUL)
    assert next_fire_times(trigger, nine) == [nine.astimezone(UTC)]


def test_weekday_schedule_skips_the_weekend() -> None:
    trigger = make_trigger("0 9 * * 1-5", SEOUL)
    start = datetime(2024, 9, 20, 1, 0, tzinfo=SEOUL)  # a Friday
    keys = [slot_key(t, SEOUL) for t in fire_times(trigger, start, start + timedelta(days=5))]
    assert keys == ["slot:2024-09-20T09:00", "slot:2024-09-23T09:00", "slot:2024-09-24T09:00"]


def _keys_over(schedule: str, tz: ZoneInfo, start: datetime, days: int) -> list[str]:
    trigger = make_trigger(schedule, tz)
    return [slot_key(t, tz) for t in fire_times(trigger, start, start + timedelta(days=days))]


def test_spring_forward_gap_runs_once_an_hour_late() -> None:
    # 2024-03-10 02:30 does not exist in New York; it is neither skipped nor doubled.
    keys = _keys_over("30 2 * * *", NEW_YORK, datetime(2024, 3, 9, 12, tzinfo=NEW_YORK), 3)
    assert keys == ["slot:2024-03-10T03:30", "slot:2024-03-11T02:30", "slot:2024-03-12T02:30"]


def test_fall_back_repeated_hour_is_one_slot() -> None:
    # 2024-11-03 01:30 happens twice in New York: APScheduler fires at both instants...
    trigger = make_trigger("30 1 * * *", NEW_YORK)
    start = datetime(2024, 11, 2, 12, tzinfo=NEW_YORK)
    times = fire_times(trigger, start, start + timedelta(days=2))
    assert len(times) == 3
    # ...but both name the same slot, so the ledger runs it once.
    assert len({slot_key(t, NEW_YORK) for t in times}) == 2


def test_berlin_dst_both_ways_keeps_one_run_a_day() -> None:
    for start in (datetime(2024, 3, 29, tzinfo=BERLIN), datetime(2024, 10, 25, tzinfo=BERLIN)):
        keys = _keys_over("30 2 * * *", BERLIN, start, 4)
        assert len(set(keys)) == 4


def test_latest_slot_within_grace() -> None:
    trigger = make_trigger("0 9 * * *", SEOUL)
    morning = datetime(2024, 9, 20, 9, 0, tzinfo=SEOUL)
    grace = timedelta(hours=6)
    assert latest_slot(trigger, morning + timedelta(hours=5), grace) == morning
    assert latest_slot(trigger, morning + timedelta(hours=7), grace) is None
    assert latest_slot(trigger, morning - timedelta(minutes=1), grace) is None


def test_seconds_field_for_fast_schedules() -> None:
    trigger = make_trigger("*/2 * * * * *", SEOUL)
    start = datetime(2024, 9, 20, 9, 0, 1, tzinfo=SEOUL)
    keys = [slot_key(t, SEOUL) for t in fire_times(trigger, start, start + timedelta(seconds=4))]
    assert keys == ["slot:2024-09-20T09:00:02", "slot:2024-09-20T09:00:04"]


@pytest.mark.parametrize(
    ("dow", "days"),
    [
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("6,0", ["Sat", "Sun"]),
        ("5-7", ["Fri", "Sat", "Sun"]),
        ("mon,wed", ["Mon", "Wed"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
    ],
)
def test_day_of_week_uses_crontab_numbering(dow: str, days: list[str]) -> None:
    trigger = make_trigger(f"0 9 * * {dow}", SEOUL)
    start = datetime(2024, 9, 22, 0, 0, tzinfo=SEOUL)  # a Sunday
    times = fire_times(trigger, start, start + timedelta(days=6, hours=23))
    assert sorted(t.strftime("%a") for t in times) == sorted(days)
