"""Tag keys: one spelling per tag, so `#efficient_training` and `#efficient-training` meet.

A domain rule: notes are stored with these keys, and searches, glossary aliases and digest
filters read their tags the same way.
"""

from __future__ import annotations

import unicodedata

__all__ = ["normalize_tag"]


def normalize_tag(raw: str) -> str:
    """Return the tag key: no leading `#`, NFKC-normalised, lower-cased, `_` turned into `-`."""
    text = unicodedata.normalize("NFKC", raw.strip()).lstrip("#").strip()
    return text.lower().replace("_", "-")
