"""Search test helpers: the real glossary, the judged set, and keys of a query's results.

`search_service` is the composition root's own (re-exported for the tests).
"""

from __future__ import annotations

from pathlib import Path

from bot.app import search_service
from bot.search.glossary import Glossary, load_glossary
from bot.search.query import parse_query
from bot.search.service import SearchService

__all__ = ["GLOSSARY_PATH", "JUDGMENTS_PATH", "keys_for", "project_glossary", "search_service"]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
GLOSSARY_PATH = REPO_ROOT / "bot" / "search" / "glossary.toml"
JUDGMENTS_PATH = REPO_ROOT / "tests" / "fixtures" / "search_judgments.toml"


def project_glossary() -> Glossary:
    """The glossary the project ships (package data of `bot.search`)."""
    return load_glossary(GLOSSARY_PATH)


async def keys_for(service: SearchService, text: str, *, page_size: int = 50) -> list[str]:
    """Note keys the query returns, in rank order (first page of `page_size`)."""
    page = await service.search(parse_query(text), page_size=page_size)
    return [hit.note.key for hit in page.hits]
