"""Core data: frozen dataclasses shared by the parser, the store, search and the renderers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

__all__ = ["Note", "NoteSource"]


@dataclass(frozen=True, slots=True)
class NoteSource:
    """Where a note was read: the file's name and the 1-based line of its title."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Note:
    """One paper note, as parsed from a notes file.

    ``key`` is stable across re-ingest: the day plus a slug of the normalised title, with a
    ``-N`` suffix for the N-th repeat of the same title on one day (see notes-format.md).
    """

    key: str
    day: date
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    commentary: str = ""
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: NoteSource = field(default_factory=lambda: NoteSource("", 0))
    position: int = 0
    retracted: bool = False

    @property
    def content_hash(self) -> str:
        """Hash of everything a reader sees, so edits can be told from re-ingests."""
        payload = json.dumps(
            [self.title, self.authors, self.abstract, self.commentary, self.links, self.tags],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    def to_export(self) -> dict[str, object]:
        """The JSON-ready record `paperbot export` prints, with exactly the documented keys."""
        return {
            "id": self.key,
            "date": self.day.isoformat(),
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "commentary": self.commentary,
            "links": list(self.links),
            "tags": list(self.tags),
            "retracted": self.retracted,
        }
