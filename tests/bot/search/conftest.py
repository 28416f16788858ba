from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.ingest.importer import ingest_paths
from bot.search.service import SearchService
from tests.support.search import GLOSSARY_PATH, search_service


@pytest.fixture(autouse=True)
def project_glossary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps opened by these tests use the project's glossary wherever pytest runs from."""
    monkeypatch.setenv("PAPERBOT_GLOSSARY", str(GLOSSARY_PATH))


@pytest.fixture
async def seeded(app: App, seeds_dir: Path) -> SearchService:
    """A search service over the five sample files, on each backend."""
    report = await ingest_paths([seeds_dir], app.notes, app.clock)
    assert not report.skipped
    return search_service(app)
