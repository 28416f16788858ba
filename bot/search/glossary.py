"""The bilingual ML glossary (shipped as package data): synonym groups and tag aliases.

A query word or phrase found in a synonym group also searches for every other member, so
`가중치 평균` finds notes that only say "weight averaging", and the reverse. Tag aliases make
`tag:선호최적화` and `tag:rlhf` the same filter. Teams extend the file; nothing here is tuned to
one query.

The shipped glossary is package data, so every command finds the same one from any working
directory; `$PAPERBOT_GLOSSARY` (or `--glossary`) names a team's file instead.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot.digest.tags import normalize_tag
from bot.errors import ConfigError
from bot.search.text import is_hangul, split_words, stem, strip_particles
from bot.settings import GLOSSARY_VARIABLE

__all__ = [
    "GLOSSARY_ENV",
    "SHIPPED_GLOSSARY",
    "Glossary",
    "glossary_path",
    "load_glossary",
    "match_key",
    "normalize_word",
]

GLOSSARY_ENV = GLOSSARY_VARIABLE  # the settings model's; the CLI sets it from the config too
SHIPPED_GLOSSARY = "glossary.toml"
"""The glossary's file name inside this package."""


@lru_cache(maxsize=1 << 16)
def normalize_word(word: str) -> str:
    """A folded query word as the index spells it: Korean particles off, English stemmed.

    Remembered: a pasted paragraph, and every glossary member a query expands to, repeat the
    same words (a 500-character query normalized about 280 words)."""
    return strip_particles(word) if is_hangul(word) else stem(word)


def match_key(words: Sequence[str]) -> str:
    """The key a run of normalized words is looked up by; Hangul runs also match unspaced."""
    return " ".join(words)


def _keys(phrase: str) -> tuple[list[str], list[str]]:
    words = [normalize_word(w) for w in split_words(phrase)]
    keys = [match_key(words)]
    if len(words) > 1 and all(is_hangul(w) for w in words):
        keys.append("".join(words))
    return words, keys


@dataclass(frozen=True, slots=True)
class Glossary:
    """Synonym groups (each a tuple of phrases) and tag alias groups, with lookup tables."""

    groups: tuple[tuple[str, ...], ...] = ()
    tag_groups: tuple[tuple[str, ...], ...] = ()
    _by_key: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _tag_group: dict[str, int] = field(default_factory=dict, repr=False)
    max_words: int = 1
    _group_keys: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls, groups: Iterable[Sequence[str]], tag_groups: Iterable[Sequence[str]] = ()
    ) -> Glossary:
        """Index the groups by every member's normalized spelling."""
        frozen = tuple(tuple(group) for group in groups)
        tags = tuple(tuple(dict.fromkeys(normalize_tag(t) for t in g)) for g in tag_groups)
        by_key: dict[str, list[int]] = {}
        longest = 1
        for index, group in enumerate(frozen):
            for phrase in group:
                words, keys = _keys(phrase)
                longest = max(longest, len(words))
                for key in keys:
                    if index not in (found := by_key.setdefault(key, [])):
                        found.append(index)
        tag_group = {tag: index for index, group in enumerate(tags) for tag in group}
        return cls(frozen, tags, by_key, tag_group, longest)

    def groups_for(self, words: Sequence[str]) -> tuple[int, ...]:
        """Indexes of the groups a run of normalized words belongs to (`추론` is in two)."""
        keys = [match_key(words)]
        if len(words) > 1 and all(is_hangul(w) for w in words):
            keys.append("".join(words))
        for key in keys:
            if key in self._by_key:
                return tuple(self._by_key[key])
        return ()

    def synonyms(self, words: Sequence[str]) -> tuple[str, ...] | None:
        """Every phrase sharing a group with this run of normalized words, or None if unknown."""
        found = self.groups_for(words)
        if not found:
            return None
        return tuple(dict.fromkeys(p for i in found for p in self.groups[i]))

    def group_key(self, index: int) -> str:
        """The index term of a group: `~` and a hash of its members, so any edit of the group
        gives a new key (and search falls back to expanding the members until re-indexed)."""
        if (known := self._group_keys.get(index)) is not None:
            return known
        members = sorted({k for phrase in self.groups[index] for k in _keys(phrase)[1]})
        key = "~" + hashlib.sha1("|".join(members).encode("utf-8")).hexdigest()[:12]
        self._group_keys[index] = key
        return key

    @property
    def index_version(self) -> str:
        """A hash of what this glossary puts into the search index (its groups' keys): an index
        built with another version needs `paperbot search --reindex`. Tag aliases and comments
        are read at query time only, so editing them changes nothing here."""
        keys = sorted({self.group_key(i) for i in range(len(self.groups))})
        return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:16]

    def tag_aliases(self, tag: str) -> tuple[str, ...]:
        """Every spelling of a tag key (itself first); a tag without aliases stands alone."""
        key = normalize_tag(tag)
        index = self._tag_group.get(key)
        if index is None:
            return (key,)
        return (key, *(t for t in self.tag_groups[index] if t != key))

    def canonical_tag(self, tag: str) -> str:
        """The first spelling in the tag's alias group: what tag lists count under."""
        key = normalize_tag(tag)
        index = self._tag_group.get(key)
        return key if index is None else self.tag_groups[index][0]


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a non-empty list of strings")
    return list(value)


def parse_glossary(data: Mapping[str, Any], source: str) -> Glossary:
    """Validate the TOML document; errors name the file and the key."""
    unknown = set(data) - {"synonyms", "tag_aliases"}
    if unknown:
        raise ConfigError(f"{source}: unknown key {sorted(unknown)[0]!r}")
    raw_groups = data.get("synonyms", [])
    if not isinstance(raw_groups, list):
        raise ConfigError(f"{source}: synonyms: expected [[synonyms]] tables")
    groups = []
    for number, entry in enumerate(raw_groups, start=1):
        if not isinstance(entry, dict) or set(entry) != {"terms"}:
            raise ConfigError(f"{source}: synonyms #{number}: expected exactly one key, terms")
        groups.append(_string_list(entry["terms"], f"{source}: synonyms #{number}.terms"))
    aliases = data.get("tag_aliases", {})
    if not isinstance(aliases, dict):
        raise ConfigError(f"{source}: tag_aliases: expected a table of tag = [aliases]")
    tag_groups = [
        [tag, *_string_list(values, f"{source}: tag_aliases.{tag}")]
        for tag, values in aliases.items()
    ]
    return Glossary.build(groups, tag_groups)


def glossary_path() -> Path | None:
    """The team's glossary file named by `$PAPERBOT_GLOSSARY`, or None for the shipped one."""
    named = os.environ.get(GLOSSARY_ENV)
    return Path(named) if named else None


def load_glossary(path: Path | None = None) -> Glossary:
    """Read a glossary file; without one, `$PAPERBOT_GLOSSARY`, else the shipped glossary.

    A named file that is missing or unreadable is an error naming it, never a silent fallback.
    """
    chosen = path or glossary_path()
    if chosen is None:
        shipped = resources.files("bot.search").joinpath(SHIPPED_GLOSSARY)
        return _parse_text(shipped.read_text(encoding="utf-8"), f"{SHIPPED_GLOSSARY} (shipped)")
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read the glossary: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{chosen}: the glossary is not UTF-8 text") from None
    return _parse_text(text, str(chosen))


def _parse_text(text: str, source: str) -> Glossary:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return parse_glossary(data, source)
