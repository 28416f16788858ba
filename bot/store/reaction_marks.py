"""Reaction marks: which reactions on our messages were seen (by an event or the reconcile
pass), per message, emoji and user, on SQLite and PostgreSQL.

The reconcile pass compares a message's reactions on the platform with its marks: a reaction
without a mark is new, a mark without its reaction was taken back. A mark is written after the
reaction was applied and deleted after its removal was; both are idempotent (insert on conflict
do nothing, delete), so an event and the reconcile pass seeing the same reaction leave one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.models import MessageRef
from bot.store.subscription_schema import ReactionMarkRow

__all__ = ["SqlReactionMarks"]


def _at(ref: MessageRef) -> tuple[Any, ...]:
    r = ReactionMarkRow
    return (
        r.platform == ref.platform.value,
        r.workspace == ref.workspace,
        r.channel == ref.channel,
        r.message_id == ref.message_id,
    )


class SqlReactionMarks:
    """One short transaction per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._module = postgresql if engine.dialect.name == "postgresql" else sqlite

    async def mark(self, ref: MessageRef, user: str, emoji: str, now: datetime) -> None:
        """Record that `user` reacted `emoji` on the message (a no-op when recorded)."""
        values = {
            "platform": ref.platform.value,
            "workspace": ref.workspace,
            "channel": ref.channel,
            "message_id": ref.message_id,
            "emoji": emoji,
            "user_id": user,
            "created_at": now,
        }
        async with self._sessions() as session, session.begin():
            insert = self._module.insert(ReactionMarkRow).values(**values)
            await session.execute(insert.on_conflict_do_nothing())

    async def unmark(self, ref: MessageRef, user: str, emoji: str) -> None:
        """Forget that reaction (a no-op when it was not recorded)."""
        r = ReactionMarkRow
        async with self._sessions() as session, session.begin():
            await session.execute(delete(r).where(*_at(ref), r.emoji == emoji, r.user_id == user))

    async def on(self, ref: MessageRef) -> Mapping[str, frozenset[str]]:
        """The users recorded per emoji on one message."""
        r = ReactionMarkRow
        found: dict[str, set[str]] = {}
        async with self._sessions() as session:
            for emoji, user in await session.execute(select(r.emoji, r.user_id).where(*_at(ref))):
                found.setdefault(emoji, set()).add(user)
        return {emoji: frozenset(users) for emoji, users in found.items()}
