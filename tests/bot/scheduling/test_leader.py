"""Leader election on one database: one leader at a time; the lock frees when the leader goes."""

import pytest

from bot.app import App
from bot.scheduling.leader import LeaderElection, LocalLeaderLock, leader_lock


async def test_one_leader_and_takeover_after_resign(app: App, database_url: str) -> None:
    if "postgresql" not in database_url:
        pytest.skip("advisory locks are PostgreSQL's; SQLite always leads (one process)")
    events: list[str] = []

    def election(name: str) -> LeaderElection:
        async def elected() -> None:
            events.append(f"{name} elected")

        return LeaderElection(
            leader_lock(app.engine),
            on_elected=elected,
            on_deposed=lambda: events.append(f"{name} deposed"),
        )

    first, second = election("first"), election("second")
    assert await first.tick() is True
    assert await second.tick() is False
    assert await first.tick() is True  # still held
    await first.resign()
    assert await second.tick() is True
    assert events == ["first elected", "first deposed", "second elected"]
    await second.resign()


async def test_sqlite_process_always_leads(app: App, database_url: str) -> None:
    if "sqlite" not in database_url:
        pytest.skip("SQLite only")
    assert isinstance(leader_lock(app.engine), LocalLeaderLock)
