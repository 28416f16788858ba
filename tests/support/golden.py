"""Golden files: compare rendered payloads with reviewed JSON, or rewrite it on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "formatters" / "golden"


def dumps(data: Any) -> str:
    """Stable, readable JSON: what a reviewer diffs."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def check_golden(path: Path, data: Any, *, update: bool) -> None:
    """Assert `data` equals the golden file, or (re)write it when `update` is set."""
    text = dumps(data)
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}: run pytest --update-golden and review it"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from the golden file"
