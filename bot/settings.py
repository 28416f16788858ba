"""The process's settings from the environment and the `[service]` table of the config file.

One typed model (pydantic-settings): each field is one setting, its `validation_alias` the
variable that sets it, and a field marked `FILE` may also be set in `config/paperbot.toml`
under `[service]`, the variable winning over the file. Secrets live only in the environment
(platform secrets are declared by each platform, see `bot.wiring`), never in files or logs.

Defaults never depend on the working directory: they sit under one home folder, the source
checkout paperbot runs from (an editable install, `python3 dev.py`), else the user's data folder
(`$XDG_DATA_HOME/paperbot`, default `~/.local/share/paperbot`). Relative paths a person gives
(`--notes-dir notes`, `PAPERBOT_NOTES_DIR=notes`) are relative to where they type them, as usual;
relative paths in the config file are relative to the file's folder.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from pydantic_settings import SettingsConfigDict as _Config

from bot.errors import ConfigError, ConfigProblems

__all__ = [
    "DEFAULT_HTTP",
    "FILE",
    "GLOSSARY_VARIABLE",
    "LOG_FORMAT_VARIABLE",
    "SECRET",
    "URL",
    "Settings",
    "config_path",
    "database_backend",
    "default_database_url",
    "extra_of",
    "http_address",
    "load_settings",
    "paperbot_home",
    "read_config_file",
    "toml_message",
    "toml_value",
]

NOTES_DIR = Path("seeds")
CONFIG_FILE = Path("config") / "paperbot.toml"
SQLITE_FILE = Path("data") / "paperbot.sqlite3"
DEFAULT_HTTP = "127.0.0.1:8080"
GLOSSARY_VARIABLE = "PAPERBOT_GLOSSARY"
LOG_FORMAT_VARIABLE = "PAPERBOT_LOG_FORMAT"
FILE: dict[str, Any] = {"file": True}
"""`json_schema_extra` of a field that `[service]` in the config file may set too."""
SECRET: dict[str, Any] = {"secret": True}
"""`json_schema_extra` of a field whose value is never printed (`<set>`)."""
URL: dict[str, Any] = {"url": True}
"""`json_schema_extra` of a URL that may hold a password: printed with the password hidden."""
_ENVIRON: ContextVar[Mapping[str, str]] = ContextVar("paperbot_environ")


def paperbot_home(environ: Mapping[str, str] | None = None) -> Path:
    """The checkout holding this package (it has a pyproject.toml), else the user's data folder.

    An installed wheel never has pyproject.toml beside its packages, so the test is exact.
    """
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout
    env = os.environ if environ is None else environ
    data = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else Path.home() / ".local/share"
    return data / "paperbot"


def default_database_url(home: Path | None = None) -> str:
    """The embedded default: SQLite at `<home>/data/paperbot.sqlite3`."""
    return f"sqlite:///{(home or paperbot_home()) / SQLITE_FILE}"


def database_backend(raw: str) -> Literal["sqlite", "postgresql"]:
    """Which database a URL names: the two paperbot runs on (`postgres://` is PostgreSQL).

    Raises:
        ValueError: not a URL, or another database; never showing the URL (it may hold a
            password).
    """
    from sqlalchemy.engine import make_url  # here: `--version` and `--help` load no database code
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
        backend, port = url.get_backend_name(), url.port
    except ArgumentError:
        raise ValueError("not a database URL") from None
    except ValueError:  # `host:abc`: a port that is no number
        raise ValueError("its port is not a number") from None
    if port is not None and not 1 <= port <= 65535:  # the driver would raise OverflowError
        raise ValueError(f"port {port} is not from 1 to 65535")
    if backend == "sqlite":
        return "sqlite"
    if backend in {"postgresql", "postgres"}:
        return "postgresql"
    raise ValueError(f"unsupported database {backend!r}; use sqlite:///PATH or postgresql://...")


# Validation messages in the words of the TOML file a person edits: pydantic names Python types
# ("a valid dictionary or instance of _Delivery", "a valid path for <class 'pathlib.Path'>") and
# shows Python reprs (`True`); the file says table, array, `true`. Plain messages ("a valid
# integer", "'ko' or 'en'") pass as they are.
_IN_TOML = {
    "model_type": "Input should be a table",
    "model_attributes_type": "Input should be a table",
    "dict_type": "Input should be a table",
    "list_type": "Input should be an array",
    "bool_type": "Input should be true or false",
    "bool_parsing": "Input should be true or false",
    "path_type": "Input should be a path (a string)",
}

_PYTHON_CLASS = re.compile(r" or instance of \w+")


def toml_message(error: ErrorDetails) -> str:
    """The problem of one validation error, with no Python class name in it."""
    return _IN_TOML.get(error["type"]) or _PYTHON_CLASS.sub("", error["msg"])


def toml_value(value: object) -> str:
    """A value as the file spells it where that differs from Python (`true`, `false`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _checked_database_url(value: str) -> str:
    database_backend(value)
    return value


DatabaseUrl = Annotated[str, AfterValidator(_checked_database_url)]


def http_address(value: str) -> tuple[str, int] | None:
    """`HOST:PORT` (`:PORT` means 127.0.0.1, `[::1]:PORT` for IPv6) with a port from 0 (any
    free one) to 65535, or `off` (None).

    Raises:
        ValueError: saying what is allowed (argparse and pydantic both show it).
    """
    if value.strip().lower() == "off":
        return None
    host, colon, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]") if host.startswith("[") else host
    if not colon or not port.isascii() or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"{value!r} is not HOST:PORT with a port from 0 to 65535, or 'off'")
    if any(c.isspace() or c in "/[]@" for c in host):
        raise ValueError(f"{value!r}: {host!r} is not a host name or address")
    return host or "127.0.0.1", int(port)


def _checked_http(value: str) -> str:
    http_address(value)
    return value


HttpAddress = Annotated[str, AfterValidator(_checked_http)]


def _checked_seconds_to_stop(value: float) -> float:
    if not (math.isfinite(value) and 0.5 <= value <= 600):
        raise ValueError(f"{value:g} is not a number of seconds from 0.5 to 600")
    return value


SecondsToStop = Annotated[float, AfterValidator(_checked_seconds_to_stop)]


def _checked_path(value: Path) -> Path:
    if "\0" in str(value):
        raise ValueError(f"{str(value)!r} is not a path: it holds a NUL character")
    return value


SettingPath = Annotated[Path, AfterValidator(_checked_path)]
"""A folder or file setting; a NUL would only fail later, at the first open."""


def _checked_folder(value: Path) -> Path:
    if not value.is_dir():
        raise ValueError(f"{str(value)!r} is not a folder")
    return value


SettingFolder = Annotated[Path, AfterValidator(_checked_path), AfterValidator(_checked_folder)]
"""A folder that must exist when it is named: the templates, whose absence would otherwise
only show as the shipped templates being used instead."""


class _GivenEnvironment(EnvSettingsSource):
    """pydantic-settings' environment source over the mapping `Settings.load` was given."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        given = _ENVIRON.get()
        return {k: v for k, v in given.items() if v.strip()}  # empty means the default


class _ServiceTable(PydanticBaseSettingsSource):
    """The config file's `[service]` table, keyed by field name (below the environment)."""

    def __init__(self, settings_cls: type[BaseSettings], table: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self._table = dict(table)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._table.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        fields = self.settings_cls.model_fields
        return {str(fields[k].validation_alias): v for k, v in self._table.items()}


_SERVICE: ContextVar[Mapping[str, Any]] = ContextVar("paperbot_service_table")


class Settings(BaseSettings):
    """What the process reads from its environment (and `[service]`), defaults filled in.

    To add a setting: add one field here (`validation_alias` its variable, `description` its
    README line, `json_schema_extra=FILE` if the file may set it too); the README table,
    `config/.env.example` and `paperbot config check` are tested against these fields.
    """

    model_config = _Config(frozen=True, extra="forbid", validate_by_name=True, case_sensitive=True)

    database_url: DatabaseUrl = Field(
        default_factory=lambda: default_database_url(paperbot_home(_ENVIRON.get(None))),
        validation_alias="DATABASE_URL",
        description="any SQLAlchemy URL for SQLite or PostgreSQL (`postgresql://user@host/db`);"
        " the asyncio driver (aiosqlite, asyncpg) is chosen for you; shown with its password"
        " hidden",
        json_schema_extra={**URL, "default": "sqlite:///<home>/data/paperbot.sqlite3"},
    )
    config_path: SettingPath = Field(
        default_factory=lambda: paperbot_home(_ENVIRON.get(None)) / CONFIG_FILE,
        validation_alias="PAPERBOT_CONFIG",
        description="the config file (TOML, [example](config/paperbot.example.toml)); one named"
        " here or by `--config` must exist",
        json_schema_extra={"default": "<home>/config/paperbot.toml, read when present"},
    )
    notes_dir: SettingPath = Field(
        default_factory=lambda: paperbot_home(_ENVIRON.get(None)) / NOTES_DIR,
        validation_alias="PAPERBOT_NOTES_DIR",
        description="the folder of notes files; `paperbot ingest` without paths refuses a"
        " folder that does not exist, naming this setting",
        json_schema_extra={**FILE, "default": "<home>/seeds"},
    )
    templates_dir: SettingFolder | None = Field(
        None,
        validation_alias="PAPERBOT_TEMPLATES_DIR",
        description="a team's template overrides (`slack/entry.j2`, …); a folder that does"
        " not exist is refused",
        json_schema_extra={**FILE, "default": "(none)"},
    )
    glossary: SettingPath | None = Field(
        None,
        validation_alias=GLOSSARY_VARIABLE,
        description="a team's bilingual search glossary (TOML) instead of the shipped one",
        json_schema_extra={**FILE, "default": "(the shipped glossary)"},
    )
    http: HttpAddress = Field(
        DEFAULT_HTTP,
        validation_alias="PAPERBOT_HTTP",
        description="where `run` serves `/healthz`, `/readyz`, `/metrics`: `HOST:PORT`,"
        " `:PORT`, `[::1]:PORT` or `off` (`0.0.0.0:8080` in a container)",
        json_schema_extra={**FILE, "default": DEFAULT_HTTP},
    )

    shutdown_timeout: SecondsToStop = Field(
        10.0,
        validation_alias="PAPERBOT_SHUTDOWN_TIMEOUT",
        description="seconds `run` takes at most to stop after SIGTERM or SIGINT (0.5 to 600):"
        " sends in flight finish, unfinished runs are handed back",
        json_schema_extra={"default": "10"},
    )
    watch_polling: Literal["auto", "1", "0"] = Field(
        "auto",
        validation_alias="PAPERBOT_WATCH_POLLING",
        description="how the notes watcher learns of changes: `1` polls, `0` file events,"
        " `auto` polls on NFS, SMB and FUSE file systems",
        json_schema_extra={"default": "auto"},
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto",
        validation_alias=LOG_FORMAT_VARIABLE,
        description="log lines on stderr: `json` (one object a line), `text` (readable), `auto`"
        " JSON unless stderr is a terminal",
        json_schema_extra={"default": "auto"},
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment first, then the config file's `[service]` table."""
        return (
            init_settings,
            _GivenEnvironment(settings_cls),
            _ServiceTable(settings_cls, _SERVICE.get({})),
        )

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        service: Mapping[str, Any] | None = None,
        source: str = "config",
        base: Path | None = None,
    ) -> Settings:
        """Read the environment (default `os.environ`) over the file's `[service]` table, whose
        relative paths are relative to `base` (the file's folder).

        Raises:
            ConfigProblems: every bad value, each naming its variable (or `source: service.key`),
                the value (never a secret's) and what is allowed.
        """
        table = dict(service or {})
        known = cls.file_fields()
        problems = [
            f"{source}: service.{key}: unknown key (known here: {', '.join(known)})"
            for key in sorted(set(table) - set(known))
        ]
        table = {k: _relative_to(base, v) if k in cls._path_fields() else v
                 for k, v in table.items() if k in known}  # fmt: skip
        env = os.environ if environ is None else environ
        env_token = _ENVIRON.set(env)
        table_token = _SERVICE.set(table)
        try:
            settings = cls()  # type: ignore[call-arg]  # the sources give the values
        except ValidationError as exc:
            problems += [cls._problem(error, source, env) for error in exc.errors()]
        finally:
            _SERVICE.reset(table_token)
            _ENVIRON.reset(env_token)
        problems += cls._overridden_problems(env, table, source)
        if problems:
            raise ConfigProblems(problems)
        return settings

    @classmethod
    def _overridden_problems(
        cls, environ: Mapping[str, str], table: Mapping[str, Any], source: str
    ) -> list[str]:
        """The bad values of the file's keys that the environment overrides: read alone, so a
        typo the environment hides today (`http = 8080`) is not found on the day the variable
        is gone. Not whether a folder exists: where the variable points elsewhere (a container
        mounting its own), the file's folder may rightly be absent."""
        names = {
            k: str(f.validation_alias)
            for k, f in cls.model_fields.items()
            if k in table and _checked_folder.__name__ not in str(f.annotation)
        }
        hidden = {v for v in names.values() if environ.get(v, "").strip()}
        if not hidden:
            return []
        alone = {k: v for k, v in environ.items() if k not in hidden}
        env_token, table_token = _ENVIRON.set(alone), _SERVICE.set(table)
        try:
            cls()  # type: ignore[call-arg]
        except ValidationError as exc:
            return [
                cls._problem(error, source, alone)
                for error in exc.errors()
                if error["loc"] and str(error["loc"][0]) in hidden
            ]
        finally:
            _SERVICE.reset(table_token)
            _ENVIRON.reset(env_token)
        return []

    @classmethod
    def for_file(
        cls, environ: Mapping[str, str], data: Mapping[str, Any], path: Path | None
    ) -> Settings:
        """`load` with the `[service]` table of the config file `path` read as `data`.

        Raises:
            ConfigProblems: as `load`.
        """
        service = data.get("service", {})  # not a table: the file's own validation says so
        return cls.load(
            environ,
            service if isinstance(service, dict) else {},
            str(path),
            base=path.parent if path is not None else None,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The environment alone (no config file)."""
        return cls.load(environ)

    @classmethod
    def variables(cls) -> dict[str, FieldInfo]:
        """Variable name → its field, in declaration order."""
        return {str(f.validation_alias): f for f in cls.model_fields.values()}

    @classmethod
    def secret_variables(cls) -> list[str]:
        """The variables whose values are secrets (`SECRET`): never printed, never logged."""
        return [name for name, f in cls.variables().items() if extra_of(f).get("secret")]

    @classmethod
    def url_variables(cls) -> list[str]:
        """The variables holding a URL whose password is hidden (`URL`)."""
        return [name for name, f in cls.variables().items() if extra_of(f).get("url")]

    @classmethod
    def file_fields(cls) -> list[str]:
        """The keys `[service]` in the config file may hold."""
        return [name for name, f in cls.model_fields.items() if extra_of(f).get("file")]

    @classmethod
    def _path_fields(cls) -> set[str]:
        return {n for n, f in cls.model_fields.items() if "Path" in str(f.annotation)}

    @classmethod
    def _problem(cls, error: ErrorDetails, source: str, environ: Mapping[str, str]) -> str:
        """One line: the variable (or the file's key, when the file set it), message, value."""
        where = str(error["loc"][0]) if error["loc"] else "?"
        field = cls.variables().get(where)
        in_env = environ.get(where, "").strip() or field is None
        key = next((n for n, f in cls.model_fields.items() if f is field), where)
        name = where if in_env else f"{source}: service.{key}"
        message = toml_message(error).removeprefix("Value error, ")
        if field is not None and (extra_of(field).get("secret") or extra_of(field).get("url")):
            return f"{name}: {message} (value hidden)"
        if error["type"] == "value_error":  # our validators name the value themselves
            return f"{name}: {message}"
        return f"{name}: {message} (got {toml_value(error.get('input'))})"

    def __repr__(self) -> str:
        return (
            f"Settings(database_url=<set>, notes_dir={self.notes_dir!s}, "
            f"config_path={self.config_path!s}, templates_dir={self.templates_dir!s})"
        )


def extra_of(field: FieldInfo) -> dict[str, Any]:
    """A field's `json_schema_extra` (FILE, SECRET, URL, its README default)."""
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def read_config_file(path: Path) -> dict[str, Any]:
    """The config file's TOML as data.

    Raises:
        ConfigError: the file is missing, unreadable or not TOML, naming it.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def config_path(environ: Mapping[str, str], given: Path | None = None) -> Path | None:
    """The config file to read: `given` (`--config`), else `PAPERBOT_CONFIG` (both must exist),
    else the default `<home>/config/paperbot.toml` when present; None: no file."""
    named = environ.get("PAPERBOT_CONFIG", "").strip()
    if given is not None or named:
        return given or Path(named)
    default = paperbot_home(environ) / CONFIG_FILE
    return default if default.exists() else None


def load_settings(
    environ: Mapping[str, str] | None = None, given: Path | None = None
) -> tuple[Settings, Path | None, dict[str, Any]]:
    """The settings (environment over the config file's `[service]`), the file read (None:
    none) and its data, for a command that does not check the rest of the file.

    Raises:
        ConfigProblems: the file cannot be read, or values are bad (all of them).
    """
    env = os.environ if environ is None else environ
    path = config_path(env, given)
    data: dict[str, Any] = {}
    problems: list[str] = []
    if path is not None:
        try:
            data = read_config_file(path)
        except ConfigError as exc:
            problems.append(str(exc))
    try:
        settings = Settings.for_file(env, data, path)
    except ConfigProblems as exc:
        problems += exc.problems
    if problems:
        raise ConfigProblems(problems)
    return settings, path, data


def _relative_to(base: Path | None, value: Any) -> Any:
    if base is None or not isinstance(value, str) or not value or Path(value).is_absolute():
        return value
    return str(base / value)
