"""The `[delivery]` and `[[destinations]]` parts of `config/paperbot.toml`, validated once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.digest.build import Backfill
from bot.digest.settings import DEFAULT_SCHEDULE, DEFAULT_TIMEZONE, DestinationSettings, Origin
from bot.errors import ConfigError
from bot.models import Destination, Layout, Platform

__all__ = ["DeliveryConfig", "load_delivery_config", "parse_delivery_config"]


class _Destination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform
    workspace: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    name: str = ""
    schedule: str = DEFAULT_SCHEDULE
    timezone: str = DEFAULT_TIMEZONE
    filter: str = ""
    max_entries: int | None = Field(default=None, ge=1)
    layout: Layout = Layout.THREAD
    locale: Literal["ko", "en"] = "ko"
    enabled: bool = True
    backfill: Backfill = Backfill.NEWEST
    empty_message: bool = False


class _Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    admin_user_ids: list[str] = []
    admin_channel: str | None = None
    pause_after_failures: int = Field(default=3, ge=1)
    misfire_grace_seconds: int = Field(default=6 * 3600, ge=0)
    max_attempts: int = Field(default=6, ge=1)
    max_parallel_runs: int | None = Field(default=None, ge=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="allow")

    delivery: _Delivery = _Delivery()
    destinations: list[_Destination] = []


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


def _key_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _settings(index: int, raw: _Destination) -> DestinationSettings:
    settings = DestinationSettings(
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
    settings.validate(f"destinations[{index}]")
    return settings


def parse_delivery_config(data: dict[str, Any], source: str = "config") -> DeliveryConfig:
    """Validate parsed TOML; errors name the file and the key, e.g. `destinations[1].timezone`."""
    try:
        raw = _File.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{source}: {_key_path(first['loc'])}: {first['msg']}") from None
    try:
        destinations = tuple(_settings(i, d) for i, d in enumerate(raw.destinations))
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    keys = [d.key for d in destinations]
    if dup := next((k for k in keys if keys.count(k) > 1), None):
        raise ConfigError(f"{source}: destinations: {dup} is declared twice")
    policy = raw.delivery
    return DeliveryConfig(
        destinations=destinations,
        admin_user_ids=frozenset(policy.admin_user_ids),
        admin_channel=policy.admin_channel,
        pause_after_failures=policy.pause_after_failures,
        misfire_grace_seconds=policy.misfire_grace_seconds,
        max_attempts=policy.max_attempts,
        max_parallel_runs=policy.max_parallel_runs,
    )


def load_delivery_config(path: Path | None) -> DeliveryConfig:
    """Read the TOML file; a missing path means no declared destinations."""
    if path is None or not path.exists():
        return DeliveryConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_delivery_config(data, str(path))
