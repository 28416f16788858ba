"""Digests built straight from the sample notes in `seeds/` (no database needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.ingest.parser import parse_notes
from bot.models import Digest, DigestDay, Layout, Note

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


def crafted_note(number: int, **changes: object) -> Note:
    """A plain note with a readable key; override any field."""
    fields: dict[str, object] = {
        "key": f"2024-09-20-paper-{number}",
        "day": date(2024, 9, 20),
        "title": f"Paper {number}",
        "authors": ("Kim", "Lee", "Park", "Choi"),
        "abstract": "We study things. " * 10,
        "commentary": "재미있는 결과네요.",
        "links": (f"https://arxiv.org/abs/2409.{number:05d}",),
        "tags": ("rl", "reasoning"),
        "position": number,
    }
    fields.update(changes)
    return Note(**fields)  # type: ignore[arg-type]


def crafted_digest(notes: list[Note], **changes: object) -> Digest:
    """A one-day digest of `notes` (thread layout, Korean unless changed)."""
    return replace(
        Digest(key="daily:2024-09-20", days=(DigestDay(date(2024, 9, 20), tuple(notes)),)),
        **changes,  # type: ignore[arg-type]
    )


ADVERSARIAL_TITLE = (
    "<!channel> <!here> @everyone <@U123> &lt; *bold* _it_ ~s~ `c` | > 🇰🇷❤️ \u202eRTL 한국어"
)


def adversarial_digest(count: int = 65, **changes: object) -> Digest:
    """platforms.md §3.6: mentions, markup, 5 kB abstracts, 60+ papers, emoji, RTL, Korean."""
    notes = [
        crafted_note(
            n,
            title=f"{ADVERSARIAL_TITLE} {n}",
            abstract=("Long abstract with https://example.com/a|b>c and <!here>. " * 90)[:5000],
            commentary="긴 코멘트 @everyone <@U123> " * 40,
            links=("https://example.com/a|b>c?x=1&y=2",),
            tags=("rl", "<!channel>", "한국어", "emoji❤️"),
        )
        for n in range(1, count + 1)
    ]
    return crafted_digest(notes, **changes)
