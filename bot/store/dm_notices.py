"""DM notices: a person whose DM digest could not be sent, the reason, and whether they were
told (once). One row per person; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.digest.personal import Person
from bot.store.subscription_schema import DmNoticeRow

__all__ = ["SqlDmNotices"]


def _of(person: Person) -> tuple[Any, ...]:
    r = DmNoticeRow
    return (
        r.platform == person.platform.value,
        r.workspace == person.workspace,
        r.user_id == person.user,
    )


class SqlDmNotices:
    """One short transaction per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._module = postgresql if engine.dialect.name == "postgresql" else sqlite

    async def record(self, person: Person, reason: str, now: datetime) -> bool:
        """Keep the reason the person's DM failed; True when no notice was pending before
        (a second failure while paused tells nobody twice)."""
        row = {
            "platform": person.platform.value,
            "workspace": person.workspace,
            "user_id": person.user,
            "reason": reason,
            "created_at": now,
            "told_at": None,
        }
        async with self._sessions() as session, session.begin():
            insert = self._module.insert(DmNoticeRow).values(**row).on_conflict_do_nothing()
            result = await session.execute(insert.returning(DmNoticeRow.user_id))
            return result.first() is not None

    async def claim_untold(self, person: Person, now: datetime) -> str | None:
        """The reason, marked told in the same statement (so two answers cannot both say it);
        None when there is nothing to tell."""
        r = DmNoticeRow
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(r)
                .where(*_of(person), r.told_at.is_(None))
                .values(told_at=now)
                .returning(r.reason)
            )
            found = result.first()
        return None if found is None else str(found[0])

    async def release(self, person: Person, claimed_at: datetime) -> None:
        """The notice claimed at `claimed_at` could not be said: it is untold again (a later
        claim, by another answer, is left as it is)."""
        r = DmNoticeRow
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(r).where(*_of(person), r.told_at == claimed_at).values(told_at=None)
            )

    async def pending(self, person: Person) -> str | None:
        """The reason not yet told, or None."""
        r = DmNoticeRow
        async with self._sessions() as session:
            found = await session.scalar(select(r.reason).where(*_of(person), r.told_at.is_(None)))
        return None if found is None else str(found)

    async def clear(self, person: Person) -> None:
        """The person asked for DMs again (or was forgotten): a later failure tells again."""
        async with self._sessions() as session, session.begin():
            await session.execute(delete(DmNoticeRow).where(*_of(person)))
