"""The whole configuration of `paperbot run`, read and checked at once: `paperbot config check`.

Three parts, each typed where it is read: the environment with the config file's `[service]`
table (`bot.settings.Settings`), the rest of the file (`bot.delivery.config`), and each chat
platform's variables (its factory in `bot.wiring`, which declares them). `load_configuration`
reads all three and reports every problem, not only the first; `paperbot run` starts only from
a configuration it returned, and `paperbot config check` prints it with secrets hidden.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.delivery.config import DeliveryConfig, declared_config, parse_delivery_config
from bot.digest.settings import DestinationSettings, Origin
from bot.errors import ConfigError, ConfigProblems
from bot.models import Destination, Platform
from bot.settings import Settings, config_path, database_backend, extra_of, read_config_file

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

    from bot.wiring import ChatPlatform, PlatformFactory, Variable

__all__ = [
    "TERMINAL",
    "Configuration",
    "add_config_command",
    "address_problems",
    "all_variables",
    "load_configuration",
    "run_config_check",
    "served_problems",
    "with_terminal_default",
]

TERMINAL = Destination(Platform.CONSOLE, "local", "terminal", name="terminal")


@dataclass(frozen=True)
class Configuration:
    """Everything `paperbot run` starts from, checked."""

    settings: Settings
    path: Path | None
    """The config file read (None: none)."""
    delivery: DeliveryConfig
    """Declared destinations, or the terminal alone when none is declared."""
    platforms: Sequence[ChatPlatform]
    """The chat platforms the environment turns on."""


def load_configuration(
    environ: Mapping[str, str],
    given: Path | None = None,
    factories: tuple[PlatformFactory, ...] | None = None,
) -> Configuration:
    """Read the environment, the config file (`given`, else `PAPERBOT_CONFIG`, else the
    default when present) and the platforms' variables; no I/O beyond reading the file.

    Raises:
        ConfigProblems: every problem found, one line each naming the variable or the file
            and key, the value (never a secret) and what is allowed.
    """
    from bot.wiring.registry import PLATFORM_FACTORIES, credentials_hints

    chosen = PLATFORM_FACTORIES if factories is None else factories
    path = config_path(environ, given)
    problems: list[str] = []
    data: dict[str, Any] | None = {}
    if path is not None:
        try:
            data = read_config_file(path)
        except ConfigError as exc:
            problems.append(str(exc))
            data = None
    settings = _settings(environ, data or {}, path, problems)
    delivery: DeliveryConfig | None = DeliveryConfig()
    if data:
        try:
            delivery = parse_delivery_config(data, str(path))
        except ConfigProblems as exc:
            problems += exc.problems
            delivery = None
    platforms, broken = [], set()
    for factory in chosen:
        try:
            platform = factory.from_env(environ)
        except ConfigError as exc:
            problems.append(str(exc))
            broken.add(factory.platform)
            continue
        if platform is not None:
            platforms.append(platform)
    active = frozenset(p.platform for p in platforms) | broken  # broken: reported above
    checked = delivery if delivery is not None else declared_config(data or {})
    problems += served_problems(checked, path, active, credentials_hints(chosen))
    problems += address_problems(checked, path, active, chosen)
    if problems or settings is None or delivery is None:
        raise ConfigProblems(problems)
    return Configuration(settings, path, with_terminal_default(delivery), platforms)


def _settings(
    environ: Mapping[str, str], data: dict[str, Any], path: Path | None, problems: list[str]
) -> Settings | None:
    try:
        return Settings.for_file(environ, data, path)
    except ConfigProblems as exc:
        problems += exc.problems
        return None


def served_problems(
    config: DeliveryConfig,
    path: Path | None,
    active: frozenset[Platform],
    hints: Mapping[str, str],
) -> list[str]:
    """A declared destination (or the admin channel) on a platform that is not active, each
    naming what to set."""
    served = active | {Platform.CONSOLE}
    problems = []
    for index, declared in config.numbered():
        platform = declared.destination.platform
        if platform not in served:
            problems.append(
                f"{path}: destinations[{index}].platform: {platform.value!r} "
                + _inactive(platform.value, hints)
            )
    admin = config.admin_channel
    if admin:
        platform_name, *rest = admin.split(":")
        if len(rest) != 2 or not all(rest):
            problems.append(
                f"{path}: delivery.admin_channel: {admin!r} must be PLATFORM:WORKSPACE:CHANNEL "
                "(e.g. console:local:admins, slack:T0123:C0456)"
            )
        elif platform_name not in {p.value for p in served}:
            problems.append(
                f"{path}: delivery.admin_channel: {admin!r}: " + _inactive(platform_name, hints)
            )
    return problems


def address_problems(
    config: DeliveryConfig,
    path: Path | None,
    active: frozenset[Platform],
    factories: tuple[PlatformFactory, ...],
) -> list[str]:
    """A destination's (or the admin channel's) workspace or channel that its platform, when
    its variables are set, says it cannot address (a Discord `#name` for an id): refused here,
    not at the first digest, where the platform's error would blame something else."""
    from bot.wiring.registry import address_problems as check

    problems = []
    for index, declared in config.numbered():
        dest = declared.destination
        if dest.platform in active:
            for key, problem in check(dest.platform, dest.workspace, dest.channel, factories):
                problems.append(f"{path}: destinations[{index}].{key}: {problem}")
    platform_name, *rest = (config.admin_channel or "").split(":")
    if len(rest) == 2 and platform_name in {p.value for p in active}:
        for _key, problem in check(Platform(platform_name), rest[0], rest[1], factories):
            problems.append(f"{path}: delivery.admin_channel: {config.admin_channel!r}: {problem}")
    return problems


def _inactive(platform: str, hints: Mapping[str, str]) -> str:
    """Why a platform is not served here, and what to do."""
    if platform in hints:
        return f"needs {platform.capitalize()} credentials in the environment: {hints[platform]}"
    return f"delivery is not available in this build; use platform = {Platform.CONSOLE.value!r}"


def with_terminal_default(config: DeliveryConfig) -> DeliveryConfig:
    """The terminal as the one destination when the file declares none."""
    if config.destinations:
        return config
    return replace(config, destinations=(DestinationSettings(TERMINAL, origin=Origin.DEFAULT),))


# -- paperbot config check ---------------------------------------------------------------------


def all_variables(
    factories: tuple[PlatformFactory, ...] | None = None,
) -> list[tuple[str, str, str, bool]]:
    """Every variable the process reads: (name, default, meaning, secret), the core's first."""
    from bot.wiring.registry import PLATFORM_FACTORIES

    rows = [
        (name, str(extra_of(f).get("default", "")), f.description or "", _hidden(f))
        for name, f in Settings.variables().items()
    ]
    seen = {row[0] for row in rows}
    for factory in PLATFORM_FACTORIES if factories is None else factories:
        rows += [_row(v) for v in factory.variables if v.name not in seen]
        seen |= {v.name for v in factory.variables}
    return rows


def _row(variable: Variable) -> tuple[str, str, str, bool]:
    return variable.name, variable.default, variable.meaning, variable.secret


def _hidden(field: FieldInfo) -> bool:
    return bool(extra_of(field).get("secret"))


def add_config_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """`config check [--config FILE]`."""
    config = commands.add_parser("config", help="check the configuration")
    actions = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        parents=[common],
        help="validate the environment and config file without starting anything, and print"
        " the effective configuration (secrets as <set>); exit 2 listing every problem",
    )
    check.add_argument("--config", type=Path, help="the config file (default as `run`)")


def run_config_check(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Print the effective configuration; problems raise `ConfigProblems` (exit 2)."""
    from bot.wiring.registry import PLATFORM_FACTORIES

    configuration = load_configuration(environ, args.config)
    if args.database_url != configuration.settings.database_url:  # `--database-url` given
        try:
            database_backend(args.database_url)
        except ValueError as exc:
            raise ConfigProblems([f"--database-url: {exc} (value hidden)"]) from None
        settings = configuration.settings.model_copy(update={"database_url": args.database_url})
        configuration = replace(configuration, settings=settings)
        given = frozenset({"database_url"})
    else:
        given = frozenset()
    write = sys.stdout.write
    for line in describe(configuration, environ, PLATFORM_FACTORIES, given):
        write(line + "\n")
    return 0


def describe(
    configuration: Configuration,
    environ: Mapping[str, str],
    factories: tuple[PlatformFactory, ...],
    given: frozenset[str] = frozenset(),
) -> list[str]:
    """The effective configuration as TOML-like lines; secrets only as `<set>`/`<unset>`.
    `given`: the settings a command-line option set."""
    settings = configuration.settings
    lines = [
        "# paperbot config check: the configuration is valid",
        f"# config file: {configuration.path or 'none (built-in defaults)'}",
        "",
        "[environment]  # variables, then the `[service]` keys they override",
    ]
    for key, field in Settings.model_fields.items():
        name = str(field.validation_alias)
        value = getattr(settings, key)
        source = "command line" if key in given else (
            "environment" if environ.get(name, "").strip() else (
                "config file" if key in settings.model_fields_set else "default"
            )
        )  # fmt: skip
        shown = _database(value) if extra_of(field).get("url") else _toml(value)
        lines.append(f"{name} = {shown}  # {source}")
    active = {p.platform: p for p in configuration.platforms}
    for factory in factories:
        for variable in factory.variables:
            raw = environ.get(variable.name, "").strip()
            value = raw or (None if variable.default == "(none)" else variable.default)
            shown = ("<set>" if raw else "<unset>") if variable.secret else _toml(value)
            lines.append(f"{variable.name} = {shown}  # {'environment' if raw else 'default'}")
    lines += ["", "[platforms]", 'console = "on"']
    for factory in factories:
        platform = active.get(factory.platform)
        state = f"on: {getattr(platform, 'settings', platform)!r}" if platform else "off"
        lines.append(f"{factory.platform.value} = {_toml(state)}")
    delivery = configuration.delivery
    lines += [
        "",
        "[delivery]",
        f"admin_user_ids = {_toml(sorted(delivery.admin_user_ids))}",
        f"admin_channel = {_toml(delivery.admin_channel or '')}",
        f"pause_after_failures = {delivery.pause_after_failures}",
        f"misfire_grace_seconds = {delivery.misfire_grace_seconds}",
        f"max_attempts = {delivery.max_attempts}",
        f"max_parallel_runs = {_toml(delivery.max_parallel_runs or 'sized from the pool')}",
        "",
        "[subscriptions]",  # each key of its table model: a new one is printed too
        *(f"{key} = {_toml(value)}" for key, value in delivery.subscriptions),
    ]
    for declared in delivery.destinations:
        dest = declared.destination
        lines += [
            "",
            f"[[destinations]]  # {declared.key}"
            + ("  (built-in default: none declared)" if declared.origin is Origin.DEFAULT else ""),
            f"name = {_toml(dest.name)}",
            f"schedule = {_toml(declared.schedule)}",
            f"timezone = {_toml(dest.timezone)}",
            f"filter = {_toml(declared.filter_text)}",
            f"max_entries = {_toml(declared.max_entries or 'all')}",
            f"layout = {_toml(declared.layout.value)}",
            f"locale = {_toml(dest.locale)}",
            f"enabled = {_toml(declared.enabled)}",
            f"backfill = {_toml(declared.backfill.value)}",
            f"empty_message = {_toml(declared.empty_message)}",
        ]
    return lines


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value is None:
        return "<unset>"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _database(url: str) -> str:
    """The database URL with its password hidden (`<set>` when it does not parse)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return _toml(make_url(url).render_as_string(hide_password=True))
    except (ArgumentError, ValueError):
        return "<set>"
