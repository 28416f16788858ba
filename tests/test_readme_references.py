"""What the README names exists: every file or folder of the clone it puts in backticks (a test
file named as backing a sentence too, even by its bare name), every test function it names, every
`bot.…` attribute, and every relative link and `#anchor` of the README and docs/*.md."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("bot/", "adapters/", "formatters/", "tests/", "docs/", "scripts/", "benchmarks/")
TOP += ("config/", "seeds/", ".ci/")
FILES = {"Dockerfile", "compose.yaml", "dev.py", "pyproject.toml", ".dockerignore", "README.md"}
NOT_IN_THE_CLONE = {"config/.env", "config/paperbot.toml"}
"""Named as what a person adds (and the image leaves out), never committed."""


def _inline_code(text: str) -> list[str]:
    """The first word of every inline code span outside fenced blocks."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return [span.split()[0] for span in re.findall(r"`([^`\n]+)`", prose) if span.strip()]


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_path_the_readme_names_is_in_the_clone() -> None:
    named = {w for w in _inline_code(_readme()) if w.startswith(TOP) or w in FILES}
    assert named, "the README names no path: the pattern is wrong"
    missing = []
    for path in sorted(named - NOT_IN_THE_CLONE):
        pattern = re.sub(r"<[^>]+>", "*", path.split(":", 1)[0]).removesuffix("/")
        if not list(ROOT.glob(pattern)):
            missing.append(path)
    assert missing == []


def test_every_test_the_readme_names_exists() -> None:
    words = _inline_code(_readme())
    files = {w for w in words if re.fullmatch(r"test_\w+\.py", w)}
    functions = {w for w in words if re.fullmatch(r"test_\w+", w)}
    assert files and functions
    present = {p.name for p in (ROOT / "tests").rglob("test_*.py")}
    assert sorted(files - present) == []
    sources = "\n".join(p.read_text("utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    defined = set(re.findall(r"^(?:async )?def (test_\w+)", sources, re.MULTILINE))
    assert sorted(functions - defined) == []


def test_every_attribute_the_readme_names_exists() -> None:
    dotted = {w for w in _inline_code(_readme()) if re.fullmatch(r"bot(\.\w+)+", w)}
    assert dotted
    for name in sorted(dotted):
        module, _, attribute = name.rpartition(".")
        assert hasattr(importlib.import_module(module), attribute), name


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading ids: lower case, punctuation but `-` and `_` dropped, spaces as `-`."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *$", prose, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def test_every_link_and_anchor_of_the_readme_and_docs_resolves() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
        for link in re.findall(r"\]\(([^)\s]+)\)", prose):
            if re.match(r"[a-z]+:", link):
                continue  # https:, mailto:: not the clone's
            path, _, anchor = link.partition("#")
            target = (page.parent / path) if path else page
            unknown = (
                target.exists()
                and anchor
                and target.suffix == ".md"
                and anchor not in _anchors(target.read_text(encoding="utf-8"))
            )
            if not target.exists() or unknown:
                broken.append(f"{page.name}: {link}")
    assert broken == []
