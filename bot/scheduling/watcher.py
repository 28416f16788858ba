"""The notes watcher: a notes file dropped into or edited in the folder is ingested in seconds.

`watchfiles` reports file events (inotify on Linux) and groups a burst of them: it yields once no
new event came for `step_ms` (at most `debounce_ms` after the first), so an editor's save, a
`cp` of many files or a `git pull` is one ingest. Where a volume gives no file events (NFS, SMB,
FUSE file systems such as Docker Desktop's bind mounts) it polls the folder instead: always with
`PAPERBOT_WATCH_POLLING=1`, never with `0`, and by default when the folder's file system is one of
those (`Settings.watch_polling`). The periodic full re-ingest stays as the safety net for
anything a watcher misses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path

__all__ = ["NotesWatcher", "changed_paths", "filesystem_of", "polling_wanted"]

log = logging.getLogger(__name__)

NO_EVENTS_FILESYSTEMS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse", "fuseblk")

ADDED = 1  # watchfiles.Change.added

Ingest = Callable[[Sequence[Path]], Awaitable[None]]


def polling_wanted(folder: Path, mode: str) -> bool:
    """Whether to poll `folder`: `mode` is `PAPERBOT_WATCH_POLLING` (`1`, `0` or `auto`, checked
    by the settings model); `auto` polls where the folder's file system gives no events."""
    if mode in ("1", "0"):
        return mode == "1"
    kind = filesystem_of(folder)
    return kind is not None and (kind in NO_EVENTS_FILESYSTEMS or kind.startswith("fuse."))


def filesystem_of(folder: Path, mountinfo: Path = Path("/proc/self/mountinfo")) -> str | None:
    """The type of the file system holding `folder` (Linux), None when it can't be told."""
    try:
        lines = mountinfo.read_text(encoding="utf-8").splitlines()
        target = folder.resolve()
    except OSError:
        return None
    best: tuple[int, str] | None = None
    for line in lines:
        fields, _, rest = line.partition(" - ")
        parts, after = fields.split(), rest.split()
        if len(parts) < 5 or not after:
            continue
        mount = Path(parts[4].replace("\\040", " "))
        if (target == mount or mount in target.parents) and (
            best is None or len(mount.parts) >= best[0]
        ):
            best = (len(mount.parts), after[0])
    return best[1] if best else None


def changed_paths(folder: Path, changes: Iterable[tuple[object, str]]) -> list[Path] | None:
    """The paths to ingest for a batch of events: the `.txt` files added or edited and the
    folders added (moved in), or None for the whole folder (a file or folder went: only a folder
    ingest retracts). A folder's own "modified" event is left out: its files report themselves."""
    paths: set[Path] = set()
    for change, name in changes:
        path = Path(name)
        with contextlib.suppress(ValueError):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue  # hidden: never a notes file (as ingest's own walk)
        if not path.exists():
            if path.suffix in (".txt", ""):  # a notes file or a folder of them went
                return None
            continue  # an editor's swap file, a temporary download
        if path.is_dir():
            if getattr(change, "value", change) == ADDED and path != folder:
                paths.add(path)
        elif path.suffix == ".txt":
            paths.add(path)
    return sorted(paths)


class NotesWatcher:
    """Watches one notes folder until stopped; calls `ingest` once per burst of changes."""

    def __init__(
        self,
        folder: Path,
        ingest: Ingest,
        *,
        polling: bool,
        step_ms: int = 300,
        debounce_ms: int = 2000,
        poll_ms: int = 500,
    ) -> None:
        self._folder, self._ingest, self._polling = folder, ingest, polling
        self._step, self._debounce, self._poll = step_ms, debounce_ms, poll_ms

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set; an ingest that fails is logged, the watch goes on."""
        from watchfiles import awatch  # imported by `run` only

        how = f"polling every {self._poll} ms" if self._polling else "file events"
        if not self._folder.is_dir():
            log.warning(
                "notes watcher off: %s is not a folder (re-ingests still run)", self._folder
            )
            return
        log.info("watching %s for notes files (%s)", self._folder, how)
        async for changes in awatch(
            self._folder,
            watch_filter=None,
            debounce=self._debounce,
            step=self._step,
            stop_event=stop,
            force_polling=self._polling,
            poll_delay_ms=self._poll,
            recursive=True,
        ):
            paths = changed_paths(self._folder, changes)
            if paths == []:
                continue  # nothing but non-notes files
            try:
                await self._ingest(paths if paths is not None else [self._folder])
            except Exception:  # boundary: the next change (or re-ingest) tries again
                log.exception("ingest after a change in %s failed", self._folder)
