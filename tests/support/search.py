"""Search test helpers: the real glossary and a SearchService over an app's store."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.search.glossary import Glossary, load_glossary
from bot.search.query import parse_query
from bot.search.service import SearchService
from bot.store.search_sql import SqlSearchIndex

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
GLOSSARY_PATH = REPO_ROOT / "config" / "glossary.toml"
JUDGMENTS_PATH = REPO_ROOT / "tests" / "fixtures" / "search_judgments.toml"


def project_glossary() -> Glossary:
    """The glossary the project ships in config/."""
    return load_glossary(GLOSSARY_PATH)


def search_service(app: App) -> SearchService:
    """A SearchService over the app's database, with the glossary its index was built with."""
    return SearchService(app.notes, SqlSearchIndex(app.engine), app.notes.glossary)


async def keys_for(service: SearchService, text: str, *, page_size: int = 50) -> list[str]:
    """Note keys the query returns, in rank order (first page of `page_size`)."""
    page = await service.search(parse_query(text), page_size=page_size)
    return [hit.note.key for hit in page.hits]
