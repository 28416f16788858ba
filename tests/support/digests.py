"""Digests built straight from the sample notes in `seeds/` (no database needed)."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.parser import parse_notes
from bot.models import Digest, DigestDay, Layout

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


def seed_files() -> list[Path]:
    """The sample notes files, in name order."""
    return sorted(SEEDS_DIR.glob("*.txt"))


def seed_digest(path: Path, *, layout: Layout = Layout.THREAD, locale: str = "ko") -> Digest:
    """The digest of one sample day, as a channel without a filter would get it."""
    parsed = parse_notes(path.read_bytes(), path.name)
    day = parsed.notes[0].day
    return Digest(
        key=f"daily:{day.isoformat()}",
        days=(DigestDay(day, tuple(parsed.notes)),),
        locale=locale,
        layout=layout,
    )
