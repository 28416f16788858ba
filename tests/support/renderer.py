"""A tiny digest renderer for delivery tests: a header, then one thread reply per note."""

from __future__ import annotations

from bot.models import Digest
from bot.payloads import ConsolePayload


class ListRenderer:
    """Header lists the keys; each note gets its own reply. Retracted notes become one line."""

    def render_digest(self, digest: Digest) -> list[ConsolePayload]:
        if not digest.days:
            return [ConsolePayload(plain=f"{digest.key}: no new notes")]
        header = f"{digest.key}: {len(digest.notes)} notes, {digest.overflow} more"
        payloads = [ConsolePayload(plain=header)]
        for note in digest.notes:
            text = f"retracted: {note.key}" if note.retracted else f"{note.key} | {note.title}"
            if note.commentary and not note.retracted:
                text += f" | {note.commentary}"
            payloads.append(ConsolePayload(plain=text, thread=True, notes=(note.key,)))
        return payloads

    def render_merged(self, digest: Digest) -> ConsolePayload:
        return ConsolePayload(plain=f"{digest.key}: merged above")
