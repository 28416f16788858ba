"""The notes watcher: a file dropped into the folder of a running `paperbot run` reaches the next
digest and `/paper` within seconds (file events, or polling), a burst of changes is one ingest."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest

from bot.scheduling.watcher import changed_paths, filesystem_of, polling_wanted
from tests.bot.test_cli_run import _read_until, _start_lab
from tests.support.cli import run_cli
from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_service import write_day

ADDED = Entry("Watched Folders Deliver Notes in Seconds", tags=("systems",))


def _ingested(log: Path) -> list[str]:
    """The service's "ingested …" lines (its log is JSON lines off a terminal)."""
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [
        r["message"]
        for r in records
        if r.get("logger") == "bot.cli_run" and r["message"].startswith("ingested ")
    ]


def _day(folder: Path, day: int, *entries: Entry) -> Path:
    path = folder / f"2024-09-{day:02d}.txt"
    path.write_text(notes_text(f"2024년 9월 {day}일", entries), encoding="utf-8")
    return path


@pytest.mark.parametrize("polling", ["0", "1"], ids=["file-events", "polling"])
async def test_a_dropped_file_reaches_the_next_digest_and_search_in_seconds(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, polling: str
) -> None:
    monkeypatch.setenv("PAPERBOT_WATCH_POLLING", polling)
    notes = tmp_path / "notes"
    write_day(notes)
    process, log = await _start_lab(notes, database_url, tmp_path)  # digests every second
    assert process.stdout is not None
    try:
        await _read_until(process.stdout, "Sparse Attention at Scale")  # the first digest
        mode = "polling every" if polling == "1" else "file events"
        assert mode in log.read_text()
        dropped = time.monotonic()
        _day(notes, 21, ADDED)
        await _read_until(process.stdout, ADDED.title, limit=20)
        took = time.monotonic() - dropped
        found = await run_cli("search", ADDED.title, "--database-url", database_url)
        assert "2024-09-21-watched-folders" in found.out

        before = len(_ingested(log))
        for day in range(22, 26):  # a burst: four new files and three saves of one of them
            _day(notes, day, Entry(f"Burst Paper {day}", tags=("burst",)))
        for word in ("one", "two", "three"):
            _day(notes, 25, Entry(f"Burst Paper 25 {word}", tags=("burst",)))
        await _read_until(process.stdout, "Burst Paper 25 three", limit=20)
        await asyncio.sleep(3)  # a second ingest of the burst would be logged by now
        ingests = _ingested(log)[before:]
        assert len(ingests) == 1, ingests
        assert "4 new" in ingests[0]
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.communicate()
    assert process.returncode == 0, log.read_text()[-2000:]
    # seconds, not the 10 minutes of the re-ingest timer (the shared machine's load varies)
    assert took < 20, f"{took:.1f} s from the drop to the digest"


def test_a_batch_names_the_changed_notes_files_or_the_whole_folder(tmp_path: Path) -> None:
    kept = _day(tmp_path, 20, ADDED)
    (tmp_path / "todo.md").write_text("not notes")
    (tmp_path / ".2024-09-21.txt.swp").write_text("an editor's")
    names = {(1, str(kept)), (2, str(tmp_path / "todo.md")), (1, str(tmp_path / ".x.txt"))}
    assert changed_paths(tmp_path, names) == [kept]
    assert changed_paths(tmp_path, {(3, str(tmp_path / "gone.tmp"))}) == []
    assert changed_paths(tmp_path, {(3, str(tmp_path / "2024-09-19.txt"))}) is None  # retract
    assert changed_paths(tmp_path, {(3, str(tmp_path / "old-folder"))}) is None
    moved_in = tmp_path / "2023"
    moved_in.mkdir()
    assert changed_paths(tmp_path, {(1, str(moved_in)), (2, str(tmp_path))}) == [moved_in]
    assert changed_paths(tmp_path, {(2, str(moved_in))}) == []  # its files report themselves


def test_polling_is_chosen_by_the_variable_or_by_a_file_system_without_events(
    tmp_path: Path,
) -> None:
    assert polling_wanted(tmp_path, "1")
    assert not polling_wanted(tmp_path, "0")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
        "40 22 0:50 / /srv/notes rw - nfs4 server:/notes rw\n"
        "41 22 0:51 / /mnt/mac rw - fuse.grpcfuse grpcfuse rw\n"
    )
    assert filesystem_of(Path("/srv/notes/2024"), mountinfo) == "nfs4"
    assert filesystem_of(Path("/mnt/mac"), mountinfo) == "fuse.grpcfuse"
    assert filesystem_of(Path("/home/me/notes"), mountinfo) == "ext4"
