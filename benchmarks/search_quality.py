#!/usr/bin/env python3
"""Search quality: nDCG@10 of the judged queries in tests/fixtures/ over the notes in seeds/.

    .venv/bin/python benchmarks/search_quality.py [--database-url URL] [--no-glossary] [--verbose]

Ingests the seeds into a fresh database (a temporary SQLite file by default), runs every judged
query through the real SearchService, and prints per-query and mean nDCG@10. Exits 1 when the
mean is under the 0.9 target.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import open_app, search_service  # noqa: E402
from bot.ingest.importer import ingest_paths  # noqa: E402
from bot.search.evaluation import load_judgments, ndcg  # noqa: E402
from bot.search.glossary import Glossary, load_glossary  # noqa: E402
from bot.search.query import parse_query  # noqa: E402

JUDGMENTS = ROOT / "tests" / "fixtures" / "search_judgments.toml"
TARGET = 0.9


async def measure(database_url: str, glossary_path: Path | None, verbose: bool) -> float:
    """Mean nDCG@10 over the judged queries."""
    glossary = load_glossary(glossary_path) if glossary_path else Glossary.build([])
    async with open_app(database_url, glossary=glossary) as app:
        await ingest_paths([ROOT / "seeds"], app.notes, app.clock)
        service = search_service(app)
        scores = []
        for judged in load_judgments(JUDGMENTS):
            page = await service.search(parse_query(judged.text), page_size=10)
            ranked = [hit.note.key for hit in page.hits]
            score = ndcg(ranked, judged.relevant)
            scores.append(score)
            if verbose or score < 1:
                print(f"{score:5.3f}  {judged.text}")
                if verbose and score < 1:
                    for rank, key in enumerate(ranked[:10], start=1):
                        print(f"         {rank:2}. [{judged.relevant.get(key, 0)}] {key}")
        mean = statistics.fmean(scores)
        print(f"nDCG@10 over {len(scores)} judged queries: {mean:.3f} (target {TARGET})")
        return mean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--glossary", type=Path, default=ROOT / "bot" / "search" / "glossary.toml")
    parser.add_argument("--no-glossary", action="store_true", help="measure without expansion")
    parser.add_argument("--verbose", action="store_true", help="show the ranking of misses")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/quality.sqlite3"
        glossary = None if args.no_glossary else args.glossary
        mean = asyncio.run(measure(url, glossary, args.verbose))
    return 0 if mean >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
