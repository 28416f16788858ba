"""The dependency rules of architecture.md §3, checked on the source's import statements."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"bot.app", "bot.cli", "bot.cli_run", "bot.cli_metrics", "bot.cli_subscriptions"}
COMPOSITION_PACKAGES = ("bot.wiring",)  # each chat platform's wiring
SDKS = ("slack_sdk", "slack_bolt", "discord", "aiohttp")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    package = _module_name(path).rsplit(".", 1)[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> Iterator[str]:
    """Absolute names of every module `source` imports (relative ones resolved in `package`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                yield f"{base}.{node.module}" if node.module else base
            else:
                yield node.module or ""


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _formatters_may_import(name: str) -> bool:
    top = name.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or _under(name, "formatters", "bot.models", "bot.payloads", "bot.replies", "jinja2", "rich")
        or name == "__future__"
    )


@pytest.mark.parametrize("path", _sources("formatters"), ids=lambda p: p.name)
def test_formatters_import_only_models_payloads_jinja2_and_rich(path: Path) -> None:
    bad = [name for name in _imports(path) if not _formatters_may_import(name)]
    assert bad == []


CORE = [
    path
    for path in _sources("bot")
    if _module_name(path) not in COMPOSITION_ROOT
    and not _under(_module_name(path), *COMPOSITION_PACKAGES)
]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_formatters_adapters_or_sdks(path: Path) -> None:
    bad = [n for n in _imports(path) if _under(n, "formatters", "adapters", "jinja2", *SDKS)]
    assert bad == []


@pytest.mark.parametrize("path", _sources("adapters"), ids=lambda p: str(p.relative_to(ROOT)))
def test_adapters_never_import_formatters_stores_or_the_app(path: Path) -> None:
    own = _module_name(path).split(".")[1] if "." in _module_name(path) else ""
    others = [f"adapters.{p}" for p in ("slack", "discord", "console", "http") if p != own]
    bad = [n for n in _imports(path) if _under(n, "formatters", "bot.store", "bot.app", *others)]
    assert bad == []


def test_the_checker_sees_forbidden_imports() -> None:
    source = "from ..store.notes import SqlNoteStore\nimport slack_sdk\nfrom . import text\n"
    names = list(_imports_in(source, "bot.formatting"))
    assert names == ["bot.store.notes", "slack_sdk", "bot.formatting"]
    assert [_formatters_may_import(n) for n in names[:2]] == [False, False]


# Layers inside bot/ (architecture.md §3): a module may import its own layer or lower ones, never a
# higher one, and no two units import each other. Units are bot's subpackages and top modules.
LAYERS: tuple[tuple[str, ...], ...] = (
    # domain: models, ports and pure rules over them
    (
        "bot.errors",
        "bot.models",
        "bot.ports",
        "bot.payloads",
        "bot.replies",
        "bot.clock",
        "bot.cron",
        "bot.digest",
        "bot.settings",
        "bot.metrics",
        "bot.health",
        "bot.log_context",
        "bot.tasks",
    ),
    ("bot.store",),  # tables and rows
    ("bot.ingest", "bot.search", "bot.delivery", "bot.subscriptions"),  # services over the store
    ("bot.commands", "bot.scheduling"),  # what people and clocks start
    # the composition root; Alembic's migration scripts are loaded by path, not imported by the
    # store, and may use the code of the day they were written (e.g. the indexer to backfill)
    # (`bot.healthcheck` is a process of its own: the container's HEALTHCHECK)
    (
        "bot",
        "bot.__main__",
        "bot.app",
        "bot.cli",
        "bot.healthcheck",
        "bot.wiring",
        "bot.store.migrations",
    ),
)


def _unit(module: str) -> str:
    """The layer unit of a module: `bot.store.migrations.*`, `bot.cli*`, or `bot.<part>`."""
    if _under(module, "bot.store.migrations"):
        return "bot.store.migrations"
    parts = module.split(".")
    if len(parts) == 1:
        return "bot"
    if parts[1].startswith("cli"):
        return "bot.cli"
    return f"bot.{parts[1]}"


def _layer(unit: str) -> int:
    for number, units in enumerate(LAYERS):
        if unit in units:
            return number
    raise AssertionError(f"{unit} has no layer: add it to LAYERS")


def _unit_imports(path: Path) -> Iterator[tuple[str, str]]:
    """(importing unit, imported unit) for each import of another bot unit."""
    own = _unit(_module_name(path))
    for name in _imports(path):
        if _under(name, "bot") and _unit(name) != own:
            yield own, _unit(name)


BOT_SOURCES = _sources("bot")


@pytest.mark.parametrize("path", BOT_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bot_modules_import_only_their_layer_or_lower(path: Path) -> None:
    upward = [(a, b) for a, b in _unit_imports(path) if _layer(b) > _layer(a)]
    assert upward == []


def test_no_two_bot_units_import_each_other() -> None:
    edges = {pair for path in BOT_SOURCES for pair in _unit_imports(path)}
    cycles = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert cycles == []


def test_the_layer_checker_sees_upward_and_mutual_imports() -> None:
    assert _unit("bot.store.migrations.versions.0002_search") == "bot.store.migrations"
    assert _unit("bot.cli_search") == "bot.cli"
    assert _layer(_unit("bot.store.notes")) < _layer(_unit("bot.search.plan"))
    assert _layer(_unit("bot.delivery.runner")) < _layer(_unit("bot.scheduling.jobs"))
    assert _layer(_unit("bot.digest.settings")) < _layer(_unit("bot.store.destinations"))
