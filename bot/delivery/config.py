"""`config/paperbot.toml` (`[delivery]` and `[[destinations]]`), validated once and strictly.

Strict because a typo must not pass for a setting: an unknown key anywhere is an error naming it,
and values have their TOML type (`enabled = "yes"` is not a boolean, `max_attempts = "6"` is
not a number).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
)
from pydantic_core import ErrorDetails

from bot.digest.build import Backfill
from bot.digest.settings import (
    DEFAULT_SCHEDULE,
    DEFAULT_TIMEZONE,
    DestinationSettings,
    Origin,
    value_problems,
)
from bot.errors import ConfigProblems
from bot.models import Destination, Layout, Platform
from bot.settings import read_config_file, toml_message, toml_value

__all__ = [
    "CONFIRM_WINDOW_SECONDS",
    "DeliveryConfig",
    "SubscriptionsTable",
    "declared_config",
    "file_keys",
    "load_delivery_config",
    "parse_delivery_config",
]


ID_CHARS = 100
"""Longest workspace or channel id: what the ledger's columns hold (PostgreSQL refuses more)."""
MAX_ENTRIES = 2**31 - 1
"""Largest `max_entries`: what the ledger's integer column holds (PostgreSQL refuses more)."""
MAX_GRACE_SECONDS = 30 * 86400
MAX_RECONCILE_DAYS = 365
"""Bounds of the time windows: a larger one reaches past what a date can hold (year 1)."""


def _without_nul(value: str) -> str:
    if "\0" in value:
        raise ValueError(f"{value!r} holds a NUL character (U+0000): the database cannot store it")
    return value


_Text = Annotated[str, AfterValidator(_without_nul)]
_Id = Annotated[str, Field(min_length=1, max_length=ID_CHARS), AfterValidator(_without_nul)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError('an entry is empty; e.g. ["🔔", "bell"]')
    return value


_Emoji = Annotated[
    str, Field(max_length=ID_CHARS), AfterValidator(_without_nul), AfterValidator(_not_blank)
]
"""A reaction that subscribes: the store records each one (`reaction_marks.emoji`, 100); an
empty one is reported by the validation, so with the file's other problems."""


class _Destination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform
    workspace: _Id
    channel: _Id
    name: _Text = ""
    schedule: str = DEFAULT_SCHEDULE
    timezone: str = DEFAULT_TIMEZONE
    filter: _Text = ""
    max_entries: StrictInt | None = Field(default=None, ge=1, le=MAX_ENTRIES)
    layout: Layout = Layout.THREAD
    locale: Literal["ko", "en"] = "ko"
    enabled: StrictBool = True
    backfill: Backfill = Backfill.NEWEST
    empty_message: StrictBool = False


class _Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    admin_user_ids: list[str] = []
    admin_channel: str | None = None
    pause_after_failures: StrictInt = Field(default=3, ge=1)
    misfire_grace_seconds: StrictInt = Field(default=6 * 3600, ge=0, le=MAX_GRACE_SECONDS)
    max_attempts: StrictInt = Field(default=6, ge=1)
    max_parallel_runs: StrictInt | None = Field(default=None, ge=1)


CONFIRM_WINDOW_SECONDS = 3.0
"""`[subscriptions] confirm_window_seconds`'s default."""


class SubscriptionsTable(BaseModel):
    """`[subscriptions]`: what a reaction that subscribes looks like (docs/subscriptions.md).

    A new key is one field here; it is read as `DeliveryConfig.subscriptions.<key>`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    emoji: list[_Emoji] = Field(default=["🔔", "bell"], min_length=1)
    reconcile_days: StrictInt = Field(default=14, ge=0, le=MAX_RECONCILE_DAYS)
    """How many days of sent messages the reconcile pass reads reactions on, at start and
    reconnect (0: none)."""
    confirm_window_seconds: StrictFloat = Field(default=CONFIRM_WINDOW_SECONDS, ge=0, le=10)
    """Seconds over which one person's subscription changes (🔔s, menu numbers) are confirmed
    as one message, on Slack and Discord; at most 10, since stopping waits for open windows."""


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: dict[str, Any] = {}
    """`[service]`: validated with the environment by `bot.settings.Settings`."""
    delivery: _Delivery = _Delivery()
    destinations: list[_Destination] = []
    subscriptions: SubscriptionsTable = field(default_factory=SubscriptionsTable)


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """Typed delivery settings: declared destinations and the failure and admin policy."""

    destinations: tuple[DestinationSettings, ...] = ()
    admin_user_ids: frozenset[str] = frozenset()
    admin_channel: str | None = None
    pause_after_failures: int = 3
    misfire_grace_seconds: int = 6 * 3600
    max_attempts: int = 6
    max_parallel_runs: int | None = None  # None: sized from the database's connection pool
    subscribe_emoji: tuple[str, ...] = ("🔔", "bell")
    """`[subscriptions] emoji`: reacting with one of these follows a paper's tags (unicode for
    Discord and the terminal, the emoji's name for Slack)."""
    subscriptions: SubscriptionsTable = field(default_factory=SubscriptionsTable)
    """The whole `[subscriptions]` table, validated (its other keys are read from here)."""
    file_indexes: tuple[int, ...] = ()
    """Each destination's index among the file's `[[destinations]]`, when some were left out
    (`declared_config` keeps the well-formed ones only); empty: 0, 1, 2, ... ."""

    def numbered(self) -> list[tuple[int, DestinationSettings]]:
        """Each destination with its index in the file, as a message names it: `destinations[N]`."""
        indexes = self.file_indexes or range(len(self.destinations))
        return list(zip(indexes, self.destinations, strict=True))


def _key_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _known_keys(location: tuple[int | str, ...]) -> list[str]:
    """The keys allowed where an unknown key was found (its table's model's fields)."""
    model: Any = _File
    for part in location[:-1]:
        if isinstance(part, str):
            annotation = model.model_fields[part].annotation
            model = next(iter(get_args(annotation)), annotation)  # list[_Destination]
    return list(model.model_fields)


def _message(error: ErrorDetails) -> str:
    location = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key (known here: {', '.join(_known_keys(location))})"
    if error["type"] == "value_error":  # our validators name the value themselves
        return toml_message(error).removeprefix("Value error, ")
    value = error.get("input")
    shown = f" (got {toml_value(value)})" if isinstance(value, str | int | float | bool) else ""
    return f"{toml_message(error)}{_table_hint(location, error)}{shown}"


def _table_hint(location: tuple[int | str, ...], error: ErrorDetails) -> str:
    """How the table a value should have been is written: `[delivery]`, `[[destinations]]`."""
    table = location[0] if location else None
    if error["type"] == "list_type" and location == ("destinations",):
        return " of tables, written [[destinations]]"
    if error["type"] not in ("model_type", "dict_type") or not isinstance(table, str):
        return ""
    return f", written [[{table}]]" if len(location) == 2 else f", written [{table}]"


def _settings(raw: _Destination) -> DestinationSettings:
    return DestinationSettings(
        destination=Destination(
            platform=raw.platform,
            workspace=raw.workspace,
            channel=raw.channel,
            name=raw.name,
            timezone=raw.timezone,
            locale=raw.locale,
        ),
        schedule=raw.schedule,
        filter_text=raw.filter,
        max_entries=raw.max_entries,
        layout=raw.layout,
        enabled=raw.enabled,
        backfill=raw.backfill,
        empty_message=raw.empty_message,
        origin=Origin.CONFIG,
    )


def _destinations(data: dict[str, Any], source: str, problems: list[str]) -> list[Any]:
    """Each well-formed destination's settings (None for a malformed one, reported by the
    file's validation), adding the problems of its values (time zone, cron, filter)."""
    entries = data.get("destinations", [])
    found: list[Any] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        try:
            settings = _settings(_Destination.model_validate(entry))
        except ValidationError:
            found.append(None)
            problems += [f"{source}: {p}" for p in _value_problems(entry, f"destinations[{index}]")]
            continue
        problems += [f"{source}: {p}" for p in settings.problems(f"destinations[{index}]")]
        found.append(settings)
    return found


def _value_problems(entry: object, where: str) -> list[str]:
    """The value checks (schedule, time zone, filter) of a destination another key of which
    failed validation: every problem is listed at once, not the next only after a fix. (Its
    locale and max_entries are checked by that validation.)"""
    if not isinstance(entry, dict):
        return []

    def text(key: str) -> str | None:
        value = entry.get(key)
        return value if isinstance(value, str) else None

    return value_problems(
        where, schedule=text("schedule"), timezone=text("timezone"), filter_text=text("filter")
    )


def declared_config(data: dict[str, Any]) -> DeliveryConfig:
    """The well-formed destinations and admin channel of a file that may have problems (to
    check which platforms they need while reporting the rest)."""
    found = [(i, d) for i, d in enumerate(_destinations(data, "", [])) if d is not None]
    table = data.get("delivery")
    admin = table.get("admin_channel") if isinstance(table, dict) else None
    return DeliveryConfig(
        tuple(d for _, d in found),
        admin_channel=admin if isinstance(admin, str) else None,
        file_indexes=tuple(i for i, _ in found),
    )


def parse_delivery_config(data: dict[str, Any], source: str = "config") -> DeliveryConfig:
    """Validate parsed TOML; errors name the file and the key, e.g. `destinations[1].timezone`.

    Raises:
        ConfigProblems: every problem found, one line each, not only the first.
    """
    problems: list[str] = []
    try:
        raw: _File | None = _File.model_validate(data)
    except ValidationError as exc:
        raw = None
        problems += [f"{source}: {_key_path(e['loc'])}: {_message(e)}" for e in exc.errors()]
    destinations = _destinations(data, source, problems)
    keys = [d.key for d in destinations if d is not None]
    for dup in dict.fromkeys(k for k in keys if keys.count(k) > 1):
        problems.append(f"{source}: destinations: {dup} is declared twice")
    if problems or raw is None:
        raise ConfigProblems(problems)
    policy = raw.delivery
    return DeliveryConfig(
        destinations=tuple(destinations),
        admin_user_ids=frozenset(policy.admin_user_ids),
        admin_channel=policy.admin_channel,
        pause_after_failures=policy.pause_after_failures,
        misfire_grace_seconds=policy.misfire_grace_seconds,
        max_attempts=policy.max_attempts,
        max_parallel_runs=policy.max_parallel_runs,
        subscribe_emoji=tuple(dict.fromkeys(e.strip() for e in raw.subscriptions.emoji)),
        subscriptions=raw.subscriptions,
    )


def file_keys() -> list[str]:
    """Every key the config file may hold, as `table.key` (`destinations[].key` for the array
    of tables); `[service]`'s come from `bot.settings.Settings`."""
    from bot.settings import Settings

    keys = [f"service.{name}" for name in Settings.file_fields()]
    for table, info in _File.model_fields.items():
        if table == "service":
            continue
        model: Any = next(iter(get_args(info.annotation)), info.annotation)
        suffix = "[]" if table == "destinations" else ""
        keys += [f"{table}{suffix}.{name}" for name in model.model_fields]
    return keys


def load_delivery_config(path: Path | None) -> DeliveryConfig:
    """Read the TOML file; `None` (no file configured) means no declared destinations.

    Raises:
        ConfigError: the file is missing, unreadable, not TOML, or invalid; the message names
            the file (and the key).
    """
    if path is None:
        return DeliveryConfig()
    return parse_delivery_config(read_config_file(path), str(path))
