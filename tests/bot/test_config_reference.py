"""The configuration reference is the settings model: the README's tables and
`config/.env.example` name every variable and key it reads, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli_config import all_variables
from bot.delivery.config import file_keys

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
