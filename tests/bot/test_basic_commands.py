"""The terminal's stand-in `/paper` handler, against the real notes store."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.basic_commands import BasicCommands
from bot.ingest.importer import collect_note_files, ingest_paths
from bot.replies import ErrorView, HelpView, NoteView, TagListView


async def test_help_tags_id_and_unknown(app: App, seeds_dir: Path) -> None:
    await ingest_paths(collect_note_files([seeds_dir]), app.notes, app.clock)
    commands = BasicCommands(app.notes, locale="en")
    assert isinstance((await commands("help")).view, HelpView)
    tags = (await commands("tags")).view
    assert isinstance(tags, TagListView)
    counts = [count for _, count in tags.tags]
    assert counts == sorted(counts, reverse=True) and sum(counts) >= 41
    note = (await commands("id:2024-09-20-don-t-teach-incentivize")).view
    assert isinstance(note, NoteView) and note.note.title == "Don't teach. incentivize."
    assert isinstance((await commands("id:nope")).view, ErrorView)
    assert isinstance((await commands("tag:rl")).view, ErrorView)
