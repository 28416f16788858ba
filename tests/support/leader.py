"""Killing the leader's database session, as a lost host or a network cut would."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling.leader import LEADER_LOCK_ID

_HOLDER = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :id AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def kill_leader_session(engine: AsyncEngine) -> int:
    """pg_terminate_backend on the session holding the leader lock; returns its backend pid."""
    async with engine.connect() as connection:
        pid = await connection.scalar(text(_HOLDER), {"id": LEADER_LOCK_ID})
        assert pid is not None, "nobody holds the leader lock"
        assert await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return int(pid)
