"""The README's Layout names bot/'s units layer by layer, as tests/test_import_rules.py holds
them: every unit, in its layer, and nothing that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_import_rules import LAYERS

ROOT = Path(__file__).resolve().parents[2]
NOT_FILES = {"bot", "bot.store.migrations"}
"""Units the Layout does not list: the package itself, and the migrations (under `store/`)."""


def _readme_layers() -> list[set[str]]:
    """The bot/ lines of the Layout block, grouped: names until a line ends with its words."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Layout\n")
    block = readme[start:].split("```")[1]
    lines = block.split("\nbot/", 1)[1].split("\nadapters/", 1)[0].splitlines()[1:]
    layers, names = [], set()
    for line in lines:
        listed, *said = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        names |= {n.strip() for n in listed.split(",") if n.strip()}
        if said:
            layers.append(names)
            names = set()
    assert not names, f"names without a layer: {names}"
    return layers


def _unit(name: str) -> str:
    return "bot." + ("cli" if name == "cli*.py" else name.removesuffix(".py").removesuffix("/"))


def test_the_layout_names_each_unit_in_its_layer() -> None:
    documented = [{_unit(n) for n in layer} for layer in _readme_layers()]
    assert documented == [set(layer) - NOT_FILES for layer in LAYERS]


def test_every_name_in_the_layout_exists() -> None:
    names = set().union(*_readme_layers())
    missing = [n for n in names if not list((ROOT / "bot").glob(n.removesuffix("/")))]
    assert missing == []
