"""Reaction marks: which reactions on our messages were seen (by an event or the reconcile
pass), per message, emoji and user, on SQLite and PostgreSQL.

The reconcile pass compares a message's reactions on the platform with its marks: a reaction
without a mark is new, a mark without its reaction was taken back. A mark is written after the
reaction was applied and deleted after its removal was; both are idempotent (insert on conflict
do nothing, delete), so an event and the reconcile pass seeing the same reaction leave one row.

A person who asked to be forgotten (`/paper unsubscribe all`) leaves **opaque marks**: each of
their marks with `opaque_user` in place of their id, so their 🔔 still on a message is known
as seen (the next pass does not subscribe them again) while their id is stored nowhere. The
digest names nobody: it only confirms a guess of who reacted, which the platform shows anyone
in the channel anyway. Opaque marks go when the reaction does, and when the pass no longer
reads messages that old (`forget_older`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.digest.personal import Person
from bot.models import MessageRef, Platform
from bot.store.inserts import insert_for
from bot.store.subscription_schema import ReactionMarkRow

__all__ = ["OPAQUE_PREFIX", "SqlReactionMarks", "is_opaque", "make_opaque", "opaque_user"]

OPAQUE_PREFIX = "~"
"""Starts every opaque mark's user: no platform's user id does (Slack `U…`/`W…`, Discord
digits, the terminal's names)."""


def opaque_user(platform: Platform, workspace: str, user: str) -> str:
    """The opaque stand-in for one person's marks: a fixed prefix and the SHA-256 of
    `platform:workspace:user` (base64url, 44 characters: fits the 100 of `user_id`)."""
    digest = hashlib.sha256(f"{platform.value}:{workspace}:{user}".encode()).digest()
    return OPAQUE_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def is_opaque(user: str) -> bool:
    """Whether a mark's user is an opaque stand-in (it names nobody to unsubscribe)."""
    return user.startswith(OPAQUE_PREFIX)


def _at(ref: MessageRef) -> tuple[Any, ...]:
    r = ReactionMarkRow
    return (
        r.platform == ref.platform.value,
        r.workspace == ref.workspace,
        r.channel == ref.channel,
        r.message_id == ref.message_id,
    )


async def make_opaque(session: AsyncSession, dialect: str, person: Person) -> None:
    """Within `forget`'s transaction: an opaque mark for each of the person's marks (same
    message, emoji and time). Deleting the person's own marks is left to the caller."""
    r = ReactionMarkRow
    mine = select(r).where(
        r.platform == person.platform.value,
        r.workspace == person.workspace,
        r.user_id == person.user,
    )
    hidden = opaque_user(person.platform, person.workspace, person.user)
    rows = [
        {
            "platform": row.platform,
            "workspace": row.workspace,
            "channel": row.channel,
            "message_id": row.message_id,
            "emoji": row.emoji,
            "user_id": hidden,
            "created_at": row.created_at,
        }
        for row in await session.scalars(mine)
    ]
    if rows:
        insert = insert_for(dialect, ReactionMarkRow).values(rows)
        await session.execute(insert.on_conflict_do_nothing())


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
        """Forget that reaction, and the opaque mark `user` left there when forgotten (a no-op
        when neither was recorded)."""
        r = ReactionMarkRow
        users = {user, opaque_user(ref.platform, ref.workspace, user)}
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(r).where(*_at(ref), r.emoji == emoji, r.user_id.in_(users))
            )

    async def forgotten(self, ref: MessageRef, user: str, emoji: str) -> bool:
        """Whether `user`'s reaction there was seen before they asked to be forgotten (an
        opaque mark of theirs is on it): the same reaction replayed, not a new one."""
        r = ReactionMarkRow
        hidden = opaque_user(ref.platform, ref.workspace, user)
        query = select(r.user_id).where(*_at(ref), r.emoji == emoji, r.user_id == hidden)
        async with self._sessions() as session:
            return (await session.scalar(query)) is not None

    async def on(self, ref: MessageRef) -> Mapping[str, frozenset[str]]:
        """The users recorded per emoji on one message (opaque marks among them)."""
        r = ReactionMarkRow
        found: dict[str, set[str]] = {}
        async with self._sessions() as session:
            for emoji, user in await session.execute(select(r.emoji, r.user_id).where(*_at(ref))):
                found.setdefault(emoji, set()).add(user)
        return {emoji: frozenset(users) for emoji, users in found.items()}

    async def forget_older(self, platform: Platform, before: datetime) -> None:
        """Delete `platform`'s opaque marks made before `before`: their messages are older
        still, so no pass reads them again."""
        r = ReactionMarkRow
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(r).where(
                    r.platform == platform.value,
                    r.user_id.startswith(OPAQUE_PREFIX, autoescape=True),
                    r.created_at < before,
                )
            )
