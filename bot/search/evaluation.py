"""Judged queries and nDCG@k: how the search-quality benchmark and its test measure ranking."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

__all__ = ["JudgedQuery", "load_judgments", "ndcg"]


@dataclass(frozen=True, slots=True)
class JudgedQuery:
    """A query and the graded relevance (1 or 2) of the notes a reader would want from it."""

    text: str
    relevant: Mapping[str, int]


def load_judgments(path: Path) -> list[JudgedQuery]:
    """Read a judgments TOML file (`[[query]]` tables with `q` and `relevant`)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    judged = []
    for number, entry in enumerate(data.get("query", []), start=1):
        relevant = entry.get("relevant")
        if not isinstance(entry.get("q"), str) or not isinstance(relevant, dict) or not relevant:
            raise ConfigError(f"{path}: query #{number}: needs q and a non-empty relevant table")
        judged.append(JudgedQuery(entry["q"], {str(k): int(v) for k, v in relevant.items()}))
    return judged


def ndcg(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Normalized discounted cumulative gain of the first `k` keys, with gains 2^grade - 1."""

    def dcg(grades: Sequence[int]) -> float:
        return sum((2.0**g - 1.0) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(relevant.values(), reverse=True))
    return dcg([relevant.get(key, 0) for key in ranked]) / ideal if ideal else 0.0
