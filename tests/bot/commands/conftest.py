from __future__ import annotations

import pytest

from tests.support.search import GLOSSARY_PATH


@pytest.fixture(autouse=True)
def project_glossary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps opened by these tests use the project's glossary wherever pytest runs from."""
    monkeypatch.setenv("PAPERBOT_GLOSSARY", str(GLOSSARY_PATH))
