"""The hash of the chat commands last registered per platform and scope.

Discord limits command creation per day, so commands are written only when their definition
changes; every replica and every restart reads the same record from the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from bot.ports import Clock
from bot.store.inserts import insert_for
from bot.store.schema import Base
from bot.store.types import UTCDateTime

__all__ = ["CommandHashRow", "SqlCommandHashes"]


class CommandHashRow(Base):
    """One platform scope (`global`, `guild:<id>`) and the payload hash last synced to it."""

    __tablename__ = "command_hashes"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SqlCommandHashes:
    """`get` / `put` of one platform's command hashes."""

    def __init__(self, engine: AsyncEngine, platform: str, clock: Clock) -> None:
        self._engine, self._platform, self._clock = engine, platform, clock

    async def get(self, scope: str) -> str | None:
        """The hash last synced to `scope`, if any."""
        query = select(CommandHashRow.payload_hash).where(
            CommandHashRow.platform == self._platform, CommandHashRow.scope == scope
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    async def put(self, scope: str, payload_hash: str) -> None:
        """Record a sync of `scope` (replacing the previous record). One upsert: two shards
        syncing at start both record, where a delete and an insert collided on PostgreSQL."""
        row = insert_for(self._engine.dialect.name, CommandHashRow).values(
            platform=self._platform, scope=scope, payload_hash=payload_hash,
            synced_at=self._clock.now(),
        )  # fmt: skip
        upsert = row.on_conflict_do_update(
            index_elements=["platform", "scope"],
            set_={"payload_hash": row.excluded.payload_hash, "synced_at": row.excluded.synced_at},
        )
        async with self._engine.begin() as conn:
            await conn.execute(upsert)
