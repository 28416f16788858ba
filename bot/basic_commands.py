"""A minimal `/paper` handler for the terminal channel until the command core (issue 3) lands.

It answers `help`, `tags` and `id:<key>` from the notes store; anything else gets a friendly
error naming what works. Replace with `PaperCommand.handle` when that is merged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.replies import ErrorView, HelpView, NoteView, Reply, TagListView
from bot.store.notes import SqlNoteStore

__all__ = ["EXAMPLES", "BasicCommands"]

EXAMPLES = (
    "/paper tag:rlhf",
    "/paper 가중치 평균",
    '/paper author:"Sanjeev Arora" since:2024-01',
    "/paper id:2024-09-20-don-t-teach-incentivize",
    "/paper tags",
    "/paper help",
)


@dataclass(frozen=True, slots=True)
class BasicCommands:
    """Callable as the console channel's command handler: text in, `Reply` out."""

    notes: SqlNoteStore
    locale: str = "ko"

    async def __call__(self, text: str) -> Reply:
        """Answer one `/paper` argument text."""
        text = text.strip()
        if text in {"", "help"}:
            return self._reply(HelpView(EXAMPLES))
        if text == "tags":
            return self._reply(await self._tags())
        if text.startswith("id:"):
            found = await self.notes.get([text.removeprefix("id:").strip()])
            if found:
                return self._reply(NoteView(found[0]))
            return self._reply(ErrorView(f"no note with {text}", EXAMPLES[3:4]))
        return self._reply(ErrorView("search arrives with the command core", EXAMPLES[3:]))

    def _reply(self, view: HelpView | TagListView | NoteView | ErrorView) -> Reply:
        return Reply(view, locale=self.locale)

    async def _tags(self) -> TagListView:
        counts: Counter[str] = Counter()
        async for note in self.notes.iter_notes(include_retracted=False):
            counts.update(note.tags)
        return TagListView(tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))))
