"""A destination's digest settings, whether declared in config or set from chat."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache, partial
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.cron import make_trigger, next_fire_times, non_ascii_field
from bot.digest.build import Backfill, DigestSpec
from bot.digest.filters import parse_tag_filter
from bot.errors import ConfigError, not_ascii_digit
from bot.models import Destination, Layout

__all__ = [
    "DEFAULT_SCHEDULE",
    "DEFAULT_TIMEZONE",
    "MAX_SCHEDULE_CHARS",
    "DestinationSettings",
    "Origin",
    "check_schedule",
    "check_timezone",
    "is_time_zone",
    "schedule_problem",
    "value_problems",
]

DEFAULT_SCHEDULE = "0 9 * * *"
DEFAULT_TIMEZONE = "Asia/Seoul"
LOCALES = ("ko", "en")
MAX_SCHEDULE_CHARS = 100
"""Longest schedule: what the store's `destinations.schedule` holds (PostgreSQL refuses more)."""
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
T = TypeVar("T")


class Origin(StrEnum):
    """Where a destination was declared: config wins over chat for the same channel, and chat
    wins over a built-in default (the terminal when the config declares nothing)."""

    CONFIG = "config"
    CHAT = "chat"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class DestinationSettings:
    """Everything a scheduled digest to one channel needs."""

    destination: Destination
    schedule: str = DEFAULT_SCHEDULE
    filter_text: str = ""
    max_entries: int | None = None
    layout: Layout = Layout.THREAD
    enabled: bool = True
    backfill: Backfill = Backfill.NEWEST
    empty_message: bool = False
    origin: Origin = Origin.CONFIG

    @property
    def key(self) -> str:
        """The destination's ledger key."""
        return self.destination.key

    def spec(self, digest_key: str) -> DigestSpec:
        """The digest-building settings for one run."""
        return DigestSpec(
            key=digest_key,
            tag_filter=parse_tag_filter(self.filter_text),
            max_entries=self.max_entries,
            locale=self.destination.locale,
            layout=self.layout,
        )

    def trigger(self) -> CronTrigger:
        """The cron trigger in the destination's own time zone."""
        return make_trigger(self.schedule, ZoneInfo(self.destination.timezone))

    def with_changes(self, **changes: object) -> DestinationSettings:
        """A copy with settings or destination fields changed, the changed values validated
        (ConfigError, the first problem). A value kept from before that a check added since
        refuses is not: changing another setting must not fail on it (`problems` lists it)."""
        dest_fields = {k: v for k, v in changes.items() if k in ("timezone", "locale", "name")}
        own = {k: v for k, v in changes.items() if k not in dest_fields}
        updated = replace(self, destination=replace(self.destination, **dest_fields), **own)  # type: ignore[arg-type]
        problems = updated.problems(only=changes)
        if problems:
            raise ConfigError(problems[0])
        return updated

    def validate(self, where: str = "destination") -> None:
        """Raise ConfigError naming the key when a setting is unusable (the first problem)."""
        problems = self.problems(where)
        if problems:
            raise ConfigError(problems[0])

    def problems(self, where: str = "destination", only: Container[str] | None = None) -> list[str]:
        """Every unusable setting, each naming its key, the value and what is allowed; with
        `only`, of those settings (by field: `schedule`, `timezone`, `filter_text`, …)."""

        def given(field: str, value: T) -> T | None:
            return value if only is None or field in only else None

        return value_problems(
            where,
            schedule=given("schedule", self.schedule),
            timezone=given("timezone", self.destination.timezone),
            locale=given("locale", self.destination.locale),
            max_entries=given("max_entries", self.max_entries),
            filter_text=given("filter_text", self.filter_text),
        )


def value_problems(
    where: str,
    *,
    schedule: str | None = None,
    timezone: str | None = None,
    locale: str | None = None,
    max_entries: int | None = None,
    filter_text: str | None = None,
) -> list[str]:
    """Every unusable value of a destination's, each naming its key (`{where}.timezone`), the
    value and what is allowed; a value not given (None) is not checked.

    The one check of these values: a destination's settings, and the values of a `[[destinations]]`
    entry that failed validation elsewhere (so every problem is listed at once).
    """
    checks: list[Callable[[], object]] = []
    if schedule is not None:
        checks.append(partial(check_schedule, schedule, f"{where}.schedule"))
    if timezone is not None:
        checks.append(partial(check_timezone, timezone, f"{where}.timezone"))
    if locale is not None:
        checks.append(partial(_check_locale, locale, f"{where}.locale"))
    if max_entries is not None:
        checks.append(partial(_check_max_entries, max_entries, f"{where}.max_entries"))
    if filter_text is not None:
        checks.append(partial(_check_filter, filter_text, where))
    found: list[str] = []
    for check in checks:
        try:
            check()
        except ConfigError as exc:
            found.append(str(exc))
    return found


def _check_locale(locale: str, where: str) -> None:
    if locale not in LOCALES:
        raise ConfigError(f"{where}: {locale!r} is not one of ko, en")


def _check_max_entries(max_entries: int, where: str) -> None:
    if max_entries < 1:
        raise ConfigError(f"{where}: must be at least 1")


def _check_filter(text: str, where: str) -> None:
    """The filter's own message names `filter:`; `where` goes before it."""
    try:
        parse_tag_filter(text)
    except ConfigError as exc:
        raise ConfigError(f"{where}.{exc}") from None


def check_schedule(schedule: str, where: str) -> None:
    """A five-field crontab expression (six: seconds first) that fires, at most
    `MAX_SCHEDULE_CHARS` long, or ConfigError naming `where`."""
    problem = schedule_problem(schedule)
    if problem == "too_long":
        raise ConfigError(
            f"{where}: {schedule[:40]!r}... is {len(schedule)} characters long; "
            f"the limit is {MAX_SCHEDULE_CHARS}"
        )
    if problem == "never":
        raise ConfigError(f"{where}: {schedule!r} never fires (no day of the year matches it)")
    if problem == "not_ascii" and (found := non_ascii_field(schedule)) is not None:
        _, field, char = found
        raise ConfigError(f"{where}: {schedule!r}, the {field} field: {not_ascii_digit(char)}")
    if problem == "not_cron":
        try:  # again, for the parser's own words
            make_trigger(schedule, ZoneInfo("UTC"))
        except ValueError as exc:
            raise ConfigError(f"{where}: {schedule!r} is not a cron expression ({exc})") from None


def schedule_problem(schedule: str) -> str | None:
    """Why a schedule is unusable: `too_long`, `not_ascii` (a field's digit is not 0-9:
    `bot.cron.non_ascii_field` names it), `not_cron`, `never` (`0 9 30 2 *`), or None."""
    if len(schedule) > MAX_SCHEDULE_CHARS:
        return "too_long"
    if non_ascii_field(schedule) is not None:
        return "not_ascii"
    try:
        trigger = make_trigger(schedule, ZoneInfo("UTC"))
    except ValueError:
        return "not_cron"
    return None if next_fire_times(trigger, _EPOCH) else "never"


def check_timezone(name: str, where: str) -> None:
    """An IANA time zone name, or ConfigError naming `where`."""
    if not is_time_zone(name):
        raise ConfigError(f"{where}: {name!r} is not an IANA time zone")


MACHINE_ZONES = frozenset({"localtime", "Factory"})
"""Zone files that name no place: `localtime` is whatever the server's clock is set to (so two
replicas, or a container and a laptop, would disagree), `Factory` is tzdata's "-00" placeholder."""


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - MACHINE_ZONES)


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone: one of tzdata's names (`available_timezones`, read
    once), so not a folder of zones (`America`), a path into tzdata's `posix/` or `right/`
    copies, nor one of the `MACHINE_ZONES`."""
    return name in _zone_names()
