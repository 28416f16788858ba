"""Killing the leader's database session, as a lost host or a network cut would."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling.leader import leader_backend


async def kill_leader_session(engine: AsyncEngine) -> int:
    """pg_terminate_backend on the session holding the leader lock; returns its backend pid."""
    async with engine.connect() as connection:
        pid = await leader_backend(connection)
        assert pid is not None, "nobody holds the leader lock"
        assert await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return int(pid)
