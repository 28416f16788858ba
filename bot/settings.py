"""Settings from the environment. Secrets live only here, never in config files or logs.

Defaults never depend on the working directory: they sit under one home folder, the source
checkout paperbot runs from (an editable install, `python3 dev.py`), else the user's data folder
(`$XDG_DATA_HOME/paperbot`, default `~/.local/share/paperbot`). Relative paths a person gives
(`--notes-dir notes`, `PAPERBOT_NOTES_DIR=notes`) are relative to where they type them, as usual.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "default_database_url", "paperbot_home"]

NOTES_DIR = Path("seeds")
CONFIG_FILE = Path("config") / "paperbot.toml"
SQLITE_FILE = Path("data") / "paperbot.sqlite3"


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


@dataclass(frozen=True, slots=True)
class Settings:
    """What the process reads from its environment, with the defaults filled in."""

    database_url: str
    notes_dir: Path
    config_path: Path
    config_explicit: bool = False  # PAPERBOT_CONFIG was set: the file must then exist
    templates_dir: Path | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, home: Path | None = None
    ) -> Settings:
        """Read `DATABASE_URL`, `PAPERBOT_NOTES_DIR`, `PAPERBOT_TEMPLATES_DIR` (a team's
        template overrides) and `PAPERBOT_CONFIG`; empty values mean the defaults."""
        env = os.environ if environ is None else environ
        home = home or paperbot_home(env)
        templates_dir = env.get("PAPERBOT_TEMPLATES_DIR")
        config = env.get("PAPERBOT_CONFIG")
        return cls(
            database_url=env.get("DATABASE_URL") or default_database_url(home),
            notes_dir=Path(env.get("PAPERBOT_NOTES_DIR") or home / NOTES_DIR),
            config_path=Path(config) if config else home / CONFIG_FILE,
            config_explicit=bool(config),
            templates_dir=Path(templates_dir) if templates_dir else None,
        )

    def config_file(self, given: Path | None) -> Path | None:
        """The config file to read: one given (`--config`, `PAPERBOT_CONFIG`) must exist and is
        returned as is; the default is read only when present (None: no file)."""
        if given is not None:
            return given
        if self.config_explicit or self.config_path.exists():
            return self.config_path
        return None

    def __repr__(self) -> str:
        return (
            f"Settings(database_url=<set>, notes_dir={self.notes_dir!s}, "
            f"config_path={self.config_path!s}, templates_dir={self.templates_dir!s})"
        )
