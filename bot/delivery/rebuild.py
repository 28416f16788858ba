"""One way to rebuild a run's digest, shared by resumes and corrections."""

from __future__ import annotations

from bot.digest.build import RunSnapshot, rebuild_digest
from bot.models import Digest
from bot.store.notes import SqlNoteStore

__all__ = ["rebuild_run"]


async def rebuild_run(notes: SqlNoteStore, digest_key: str, snapshot: RunSnapshot) -> Digest:
    """The run's digest from its stored snapshot and the notes' current content.

    Nothing comes from the destination's settings of the day, so the parts (and their numbers)
    are those the run posted, unless a note's own content changed.
    """
    return rebuild_digest(digest_key, snapshot, await notes.get(snapshot.note_keys))
