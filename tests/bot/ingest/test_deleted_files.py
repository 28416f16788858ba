"""A notes file deleted from an ingested folder takes its notes with it (retracted, kept)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.app import App
from bot.delivery.runner import RunOutcome
from bot.ingest.importer import ingest_paths
from bot.ingest.parser import parse_notes
from bot.scheduling.jobs import ingest_and_correct
from tests.support.cli import run_cli
from tests.support.clock import FixedClock
from tests.support.delivery import dest, wire
from tests.support.transport import RecordingTransport

GONE = "002_79b7e80049c25ed0.txt"  # 2024-06-10: 10 of the 41 seed notes
KEPT = "000_f01c3e8285b5c72d.txt"


def _corpus(tmp_path: Path, seeds_dir: Path) -> Path:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    return corpus


async def _ingested(app: App, tmp_path: Path, seeds_dir: Path) -> Path:
    corpus = _corpus(tmp_path, seeds_dir)
    await ingest_paths([corpus], app.notes, app.clock)
    return corpus


def _keys(path: Path) -> list[str]:
    return [note.key for note in parse_notes(path.read_bytes(), str(path)).notes]


async def _retracted(app: App) -> set[str]:
    return {note.key async for note in app.notes.iter_notes() if note.retracted}


async def test_deleted_file_has_its_notes_retracted_and_reported(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = await _ingested(app, tmp_path, seeds_dir)
    gone_keys = _keys(corpus / GONE)
    (corpus / GONE).unlink()

    report = await ingest_paths([corpus], app.notes, app.clock)

    assert [(f.path, f.gone) for f in report.gone] == [(str((corpus / GONE).resolve()), True)]
    assert report.gone[0].changes.retracted == gone_keys
    assert report.changed_keys == gone_keys  # what corrections will edit
    assert report.total("unchanged") == 41 - len(gone_keys)
    assert "1 files gone" in report.totals_line()
    assert await _retracted(app) == set(gone_keys)
    assert await app.notes.count() == 41 - len(gone_keys)
    assert await app.notes.count(include_retracted=True) == 41  # kept, not deleted

    again = await ingest_paths([corpus], app.notes, app.clock)
    assert again.gone == [] and again.changed_keys == []  # reported once, then forgotten


async def test_a_deleted_file_put_back_brings_its_notes_back(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = await _ingested(app, tmp_path, seeds_dir)
    (corpus / GONE).unlink()
    await ingest_paths([corpus], app.notes, app.clock)
    shutil.copy(seeds_dir / GONE, corpus / GONE)

    back = await ingest_paths([corpus], app.notes, app.clock)

    assert (back.total("added"), back.total("updated"), back.total("retracted")) == (0, 10, 0)
    assert await _retracted(app) == set()


async def test_files_named_alone_never_retract_other_files(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = await _ingested(app, tmp_path, seeds_dir)
    (corpus / GONE).unlink()

    report = await ingest_paths([corpus / KEPT], app.notes, app.clock)

    assert report.gone == [] and report.total("retracted") == 0
    assert await _retracted(app) == set()


async def test_a_file_moved_within_the_folder_keeps_its_notes(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = await _ingested(app, tmp_path, seeds_dir)
    (corpus / "2024").mkdir()
    (corpus / GONE).rename(corpus / "2024" / GONE)

    report = await ingest_paths([corpus], app.notes, app.clock)

    assert report.total("retracted") == 0 and await _retracted(app) == set()
    assert [f.changes.retracted for f in report.gone] == [[]]  # the old path is forgotten
    moved = await app.notes.get(_keys(corpus / "2024" / GONE))
    assert {note.source.file for note in moved} == {str((corpus / "2024" / GONE).resolve())}


async def test_an_emptied_folder_retracts_nothing_and_says_why(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = await _ingested(app, tmp_path, seeds_dir)
    for path in corpus.iterdir():
        path.unlink()

    report = await ingest_paths([corpus], app.notes, app.clock)

    assert report.gone == [] and await _retracted(app) == set()
    assert len(report.notices) == 1
    assert "no notes files found" in report.notices[0] and "5 files" in report.notices[0]


async def test_posted_notes_of_a_deleted_file_are_corrected(
    app: App, clock: FixedClock, tmp_path: Path, seeds_dir: Path
) -> None:
    corpus = _corpus(tmp_path, seeds_dir)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await ingest_and_correct([corpus], delivery)
    assert await delivery.runner.run(dest(), "slot:1") is RunOutcome.SENT
    posted = len(transport.sent)
    (corpus / GONE).unlink()

    report, corrections = await ingest_and_correct([corpus], delivery)

    assert len(report.gone) == 1
    retracted = {f"retracted: {key}" for key in report.gone[0].changes.retracted}
    assert retracted <= {text for _, text in transport.edits}
    assert corrections.edited >= len(retracted) and not corrections.failed
    assert len(transport.sent) == posted  # edited, never posted again


async def test_ingest_command_names_the_gone_file(database_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(Path(__file__).resolve().parents[3] / "seeds", corpus)
    first = await run_cli("ingest", str(corpus), "--database-url", database_url)
    assert first.code == 0, first.err
    (corpus / GONE).unlink()

    result = await run_cli("ingest", str(corpus), "--database-url", database_url)

    assert result.code == 0, result.err
    gone_line = f"gone    {(corpus / GONE).resolve()}: the file is gone: 10 notes retracted"
    assert gone_line in result.out.splitlines()
    assert result.out.splitlines()[-1] == (
        "total: 4 files; added 0, updated 0, unchanged 31, retracted 10, skipped 0 files, "
        "1 files gone"
    )
