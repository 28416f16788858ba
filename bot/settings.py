"""Settings from the environment. Secrets live only here, never in config files or logs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings"]

DEFAULT_NOTES_DIR = Path("seeds")
DEFAULT_CONFIG = Path("config") / "paperbot.toml"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the process reads from its environment."""

    database_url: str | None = None
    notes_dir: Path = DEFAULT_NOTES_DIR
    templates_dir: Path | None = None
    config_path: Path = DEFAULT_CONFIG

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read `DATABASE_URL`, `PAPERBOT_NOTES_DIR`, `PAPERBOT_TEMPLATES_DIR` (a team's
        template overrides) and `PAPERBOT_CONFIG`; empty values mean the defaults."""
        env = os.environ if environ is None else environ
        notes_dir = env.get("PAPERBOT_NOTES_DIR") or str(DEFAULT_NOTES_DIR)
        templates_dir = env.get("PAPERBOT_TEMPLATES_DIR")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            notes_dir=Path(notes_dir),
            templates_dir=Path(templates_dir) if templates_dir else None,
            config_path=Path(env.get("PAPERBOT_CONFIG") or DEFAULT_CONFIG),
        )

    def __repr__(self) -> str:
        shown = "<set>" if self.database_url else None
        return (
            f"Settings(database_url={shown}, notes_dir={self.notes_dir!s}, "
            f"templates_dir={self.templates_dir!s})"
        )
