"""Every metric the code records is declared in `bot.metrics.CATALOGUE`, with the labels it is
recorded with: a metric added without its declaration fails here, not silently at run time."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.metrics import CATALOGUE, GAUGES, Kind

ROOT = Path(__file__).resolve().parents[2]
KINDS = {"inc": Kind.COUNTER, "add": Kind.COUNTER, "observe": Kind.HISTOGRAM}


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "paperbot_…"` strings (metric names kept in a constant)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def recorded(source: str) -> list[tuple[str, str, frozenset[str] | None]]:
    """(method, metric name, label names or None when spread from a dict) of each record."""
    tree = ast.parse(source)
    constants = _constants(tree)
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in KINDS or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            name = first.value
        elif isinstance(first, ast.Name) and first.id in constants:
            name = constants[first.id]
        else:
            continue
        if not name.startswith("paperbot_"):
            continue
        spread = any(k.arg is None for k in node.keywords)
        labels = None if spread else frozenset(k.arg for k in node.keywords if k.arg)
        calls.append((node.func.attr, name, labels))
    return calls


def _all_recorded() -> list[tuple[str, str, str, frozenset[str] | None]]:
    sources = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")]
    return [
        (str(path.relative_to(ROOT)), *call)
        for path in sources
        for call in recorded(path.read_text(encoding="utf-8"))
    ]


def test_every_recorded_metric_is_declared_with_its_kind_and_labels() -> None:
    wrong = []
    for path, method, name, labels in _all_recorded():
        spec = CATALOGUE.get(name)
        if spec is None or spec.kind is not KINDS[method]:
            wrong.append((path, name, "not declared as a " + KINDS[method]))
        elif labels is not None and labels != set(spec.labels):
            wrong.append((path, name, f"labels {sorted(labels)} != {sorted(spec.labels)}"))
    assert wrong == []


def test_the_scan_sees_what_the_code_records() -> None:
    names = {name for _, _, name, _ in _all_recorded()}
    assert {"paperbot_digest_runs_total", "paperbot_search_seconds"} <= names
    assert "paperbot_reactions_total" in names  # through a module constant
    source = 'M = "paperbot_x_total"\nm.inc(M, a="1")\nm.observe("paperbot_y", 1, **w)\n'
    assert recorded(source) == [
        ("inc", "paperbot_x_total", frozenset({"a"})),
        ("observe", "paperbot_y", None),
    ]


def test_counters_end_in_total_labels_are_sorted_and_no_name_is_both_kinds() -> None:
    for spec in CATALOGUE.values():
        assert spec.name.endswith("_total") == (spec.kind is Kind.COUNTER), spec.name
        assert list(spec.labels) == sorted(spec.labels), spec.name
    assert not set(CATALOGUE) & set(GAUGES)


ROW = re.compile(r"^\| `(paperbot_\w+)` \| (\w+) \|([^|]*)\|", flags=re.MULTILINE)


def _readme_series() -> dict[str, tuple[str, frozenset[str]]]:
    """The README's metrics table: name → (type, label names)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n### Metrics\n")
    table = readme[start : readme.index("\n### ", start + 1)]
    return {
        name: (kind, frozenset(re.findall(r"`(\w+)`", cells)))
        for name, kind, cells in ROW.findall(table)
    }


def test_the_readme_table_is_the_catalogue_with_its_kinds_and_labels() -> None:
    """Both ways: every declared series is in the README with its type and labels, and the
    README names no series the code does not serve."""
    documented = _readme_series()
    declared = {n: (s.kind.value, frozenset(s.labels)) for n, s in CATALOGUE.items()}
    assert {n: v for n, v in documented.items() if n in CATALOGUE} == declared
    assert {n: v[0] for n, v in documented.items() if n not in CATALOGUE} == dict.fromkeys(
        GAUGES, "gauge"
    )
