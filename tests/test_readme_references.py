"""What the README and docs/*.md name exists: every file or folder of the clone they put in
backticks (a test file named as backing a sentence too, even by its bare name), every test
function they name, every `bot.…` attribute, and every relative link and `#anchor`."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP = ("bot/", "adapters/", "formatters/", "tests/", "docs/", "scripts/", "benchmarks/")
TOP += ("config/", "seeds/", ".ci/")
FILES = {"Dockerfile", "compose.yaml", "dev.py", "pyproject.toml", ".dockerignore", "README.md"}
NOT_IN_THE_CLONE = {"config/.env", "config/paperbot.toml"}
"""Named as what a person adds (and the image leaves out), never committed."""


def _inline_code(page: Path) -> list[str]:
    """The first word of every inline code span outside fenced blocks."""
    text = page.read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return [span.split()[0] for span in re.findall(r"`([^`\n]+)`", prose) if span.strip()]


def _named(pattern: str) -> set[tuple[str, str]]:
    """(page, word) for every inline code word of the pages that matches `pattern`."""
    return {(p.name, w) for p in PAGES for w in _inline_code(p) if re.fullmatch(pattern, w)}


def _globs(path: str) -> list[str]:
    """`path` as glob patterns: `<day>` is any name, `{a,b}` either."""
    pattern = re.sub(r"<[^>]+>", "*", path.split(":", 1)[0]).removesuffix("/")
    braces = re.search(r"\{([^}]*)\}", pattern)
    if braces is None:
        return [pattern]
    head, tail = pattern[: braces.start()], pattern[braces.end() :]
    return [g for part in braces.group(1).split(",") for g in _globs(head + part + tail)]


def test_every_path_the_pages_name_is_in_the_clone() -> None:
    top = "|".join(re.escape(t) for t in TOP)
    named = _named(rf"(?:{top}).*|" + "|".join(re.escape(f) for f in FILES))
    assert any(page == "README.md" for page, _ in named), "the pattern finds no path"
    missing = [
        (page, path)
        for page, path in sorted(named)
        if path not in NOT_IN_THE_CLONE and not all(list(ROOT.glob(g)) for g in _globs(path))
    ]
    assert missing == []


def test_every_test_the_pages_name_exists() -> None:
    files, functions = _named(r"test_\w+\.py"), _named(r"test_\w+")
    assert files and functions
    present = {p.name for p in (ROOT / "tests").rglob("test_*.py")}
    assert sorted((page, f) for page, f in files if f not in present) == []
    sources = "\n".join(p.read_text("utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    defined = set(re.findall(r"^(?:async )?def (test_\w+)", sources, re.MULTILINE))
    assert sorted((page, f) for page, f in functions if f not in defined) == []


def _resolve(name: str) -> object:
    """`bot.a.b.C.d`: the longest importable module, then attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(name)


def test_every_attribute_the_pages_name_exists() -> None:
    dotted = _named(r"bot(?:\.\w+)+")
    assert any(page == "README.md" for page, _ in dotted)
    unknown = []
    for page, name in sorted(dotted):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            unknown.append((page, name))
    assert unknown == []


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
    for page in PAGES:
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
