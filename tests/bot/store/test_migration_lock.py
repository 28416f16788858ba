"""The SQLite migration lock file: processes wait for each other, the event loop never does."""

from __future__ import annotations

import asyncio
import fcntl
import threading
from pathlib import Path

from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database


async def test_waiting_for_another_processs_migration_leaves_the_loop_free(
    tmp_path: Path,
) -> None:
    database = tmp_path / "paperbot.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    fired: list[str] = []
    with open(f"{database}.migrate-lock", "a+b") as holder:  # another process migrating
        fcntl.flock(holder, fcntl.LOCK_EX)

        def rescue() -> None:  # only reached if the loop is stuck in flock
            fired.append("timer")
            fcntl.flock(holder, fcntl.LOCK_UN)

        timer = threading.Timer(10.0, rescue)
        timer.start()
        try:
            upgrade = asyncio.create_task(upgrade_database(engine))
            done, _ = await asyncio.wait({upgrade}, timeout=0.5)  # the loop answers meanwhile
            assert not done, "migrated while another process held the lock"
            assert fired == [], "the event loop was blocked waiting for the lock"
            fcntl.flock(holder, fcntl.LOCK_UN)
            await asyncio.wait_for(upgrade, 60)
        finally:
            timer.cancel()
            await engine.dispose()
    assert fired == []
    assert database.stat().st_size > 0
