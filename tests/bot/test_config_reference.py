"""The configuration reference is the settings model: the README's tables and
`config/.env.example` name every variable and key it reads, and nothing else, and the README
gives each its declared default (and says which variables are secret)."""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path
from typing import Any, get_args

from pydantic_core import PydanticUndefined

from bot.cli_config import all_variables
from bot.delivery.config import _File, file_keys
from bot.settings import Settings, extra_of

ROOT = Path(__file__).resolve().parents[2]
VARIABLE_NAME = re.compile(r'"((?:DATABASE_URL|PAPERBOT_|SLACK_|DISCORD_)[A-Z0-9_]*)"')


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"\n## {title}\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def _first_cells(text: str, pattern: str) -> list[str]:
    return re.findall(rf"^\| `({pattern})` \|", text, flags=re.MULTILINE)


def test_the_readme_names_every_variable_and_nothing_else() -> None:
    named = _first_cells(_section("Configuration"), r"[A-Z][A-Z0-9_]+")
    declared = [row[0] for row in all_variables()]
    assert named == declared  # both ways, in the model's order, each once


def test_the_readme_names_every_config_file_key_and_nothing_else() -> None:
    named = _first_cells(_section("Configuration"), r"[a-z_]+(?:\[\])?\.[a-z_]+")
    assert named == file_keys()


def _rows(pattern: str) -> dict[str, tuple[str, str]]:
    """The Configuration tables' rows whose first cell matches: name → (default, meaning), the
    default without its backticks."""
    rows = re.findall(
        rf"^\| `({pattern})` \| ([^|]*) \| (.*) \|$", _section("Configuration"), re.MULTILINE
    )
    return {name: (default.replace("`", ""), meaning) for name, default, meaning in rows}


def test_the_readme_gives_each_variable_its_declared_default_and_secrecy() -> None:
    rows = _rows(r"[A-Z][A-Z0-9_]+")
    assert {name: rows[name][0] for name, *_ in all_variables()} == {
        name: default for name, default, _meaning, _secret in all_variables()
    }
    assert {name for name, (_, meaning) in rows.items() if meaning.startswith("secret: ")} == {
        name for name, _default, _meaning, secret in all_variables() if secret
    }


def _shown(value: Any) -> str | None:
    """A model default as the README writes it; None: a prose default (no value)."""
    if value is PydanticUndefined:
        return "(required)"
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    text = value.value if isinstance(value, Enum) else str(value)
    return text or '""'


def test_the_readme_gives_each_config_file_key_its_default() -> None:
    declared = {
        f"service.{name}": str(extra_of(Settings.model_fields[name])["default"])
        for name in Settings.file_fields()
    }
    for table, info in _File.model_fields.items():
        model: Any = next(iter(get_args(info.annotation)), info.annotation)
        suffix = "[]" if table == "destinations" else ""
        for name, field in getattr(model, "model_fields", {}).items():
            declared[f"{table}{suffix}.{name}"] = _shown(field.default)
    rows = _rows(r"[a-z_]+(?:\[\])?\.[a-z_]+")
    documented = {key: rows[key][0] for key, shown in declared.items() if shown is not None}
    assert documented == {key: shown for key, shown in declared.items() if shown is not None}


def test_the_env_example_lists_every_variable_with_a_comment_and_no_value() -> None:
    lines = (ROOT / "config" / ".env.example").read_text(encoding="utf-8").splitlines()
    listed = []
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, equals, value = line.partition("=")
            assert equals and value == "", line  # names only: never a value, never a secret
            assert lines[number - 1].startswith("# "), f"{name} has no comment above it"
            listed.append(name)
    assert sorted(listed) == sorted(row[0] for row in all_variables())
    assert len(listed) == len(set(listed))


def test_every_variable_the_code_names_is_declared() -> None:
    """A variable read somewhere but missing from the model would escape `config check`."""
    declared = {row[0] for row in all_variables()}
    named = {
        (path.relative_to(ROOT).as_posix(), name)
        for folder in ("bot", "adapters")
        for path in (ROOT / folder).rglob("*.py")
        for name in VARIABLE_NAME.findall(path.read_text(encoding="utf-8"))
        if name != "SLACK_VARIABLES"  # a constant's name in an `__all__`
    }
    assert {(where, name) for where, name in named if name not in declared} == set()
    assert {name for _where, name in named} == declared  # and the model names nothing unread
