"""Tag menus on SQLite and PostgreSQL: each posted menu message and the tag behind each number.

The menu row is unique per message (platform, workspace, channel, message id), so storing the
same post twice keeps one row; the items of a menu are replaced in one transaction when the menu
is edited, so a reaction always maps through one consistent set of numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import MessageRef, Platform
from bot.store.menu_schema import TagMenuItemRow, TagMenuRow
from bot.store.sql_store import SqlStore

__all__ = ["SqlMenuStore", "StoredMenu"]


@dataclass(frozen=True, slots=True)
class StoredMenu:
    """A menu message and what each of its numbers stands for now (number → tag)."""

    id: int
    ref: MessageRef
    locale: str
    items: Mapping[int, str]
    created_at: datetime
    updated_at: datetime


def _at(ref: MessageRef) -> Any:
    m = TagMenuRow
    return (
        (m.platform == ref.platform.value)
        & (m.workspace == ref.workspace)
        & (m.channel == ref.channel)
        & (m.message_id == ref.message_id)
    )


class SqlMenuStore(SqlStore):
    """One short transaction per call."""

    async def add(
        self, ref: MessageRef, locale: str, items: Mapping[int, str], *, now: datetime
    ) -> StoredMenu:
        """Record a posted menu with its numbers (storing the same message again keeps the
        first record's numbers)."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                self._insert(TagMenuRow)
                .values(
                    platform=ref.platform.value,
                    workspace=ref.workspace,
                    channel=ref.channel,
                    message_id=ref.message_id,
                    locale=locale,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing()
            )
            menu_id = await session.scalar(select(TagMenuRow.id).where(_at(ref)))
            assert menu_id is not None
            for number, tag in items.items():
                await session.execute(
                    self._insert(TagMenuItemRow)
                    .values(menu_id=menu_id, number=number, tag=tag)
                    .on_conflict_do_nothing()
                )
        found = await self.find(ref)
        assert found is not None
        return found

    async def find(self, ref: MessageRef) -> StoredMenu | None:
        """The menu posted as `ref`, or None when that message is not a menu."""
        menus = await self._menus(_at(ref))
        return menus[0] if menus else None

    async def recent_menus(self, since: datetime) -> list[StoredMenu]:
        """Menus posted at or after `since`, oldest first (the reconcile pass reads these)."""
        return await self._menus(TagMenuRow.created_at >= since)

    async def all(self) -> list[StoredMenu]:
        """Every menu, oldest first (each is edited when the most used tags change)."""
        return await self._menus(None)

    async def replace_items(self, menu_id: int, items: Mapping[int, str], *, now: datetime) -> None:
        """The menu now shows `items`: its numbers map to these tags from now on."""
        async with self._sessions() as session, session.begin():
            await session.execute(delete(TagMenuItemRow).where(TagMenuItemRow.menu_id == menu_id))
            for number, tag in items.items():
                session.add(TagMenuItemRow(menu_id=menu_id, number=number, tag=tag))
            await session.execute(
                update(TagMenuRow).where(TagMenuRow.id == menu_id).values(updated_at=now)
            )

    async def forget(self, menu_id: int) -> None:
        """Drop a menu whose message is gone (its numbers map to nothing any more)."""
        async with self._sessions() as session, session.begin():
            await session.execute(delete(TagMenuItemRow).where(TagMenuItemRow.menu_id == menu_id))
            await session.execute(delete(TagMenuRow).where(TagMenuRow.id == menu_id))

    async def _menus(self, where: Any) -> list[StoredMenu]:
        query = select(TagMenuRow).order_by(TagMenuRow.created_at, TagMenuRow.id)
        if where is not None:
            query = query.where(where)
        async with self._sessions() as session:
            rows = list(await session.scalars(query))
            items = await self._items(session, [row.id for row in rows])
        return [
            StoredMenu(
                row.id,
                MessageRef(Platform(row.platform), row.workspace, row.channel, row.message_id),
                row.locale,
                items.get(row.id, {}),
                row.created_at,
                row.updated_at,
            )
            for row in rows
        ]

    @staticmethod
    async def _items(session: AsyncSession, ids: list[int]) -> dict[int, dict[int, str]]:
        if not ids:
            return {}
        query = select(TagMenuItemRow).where(TagMenuItemRow.menu_id.in_(ids))
        found: dict[int, dict[int, str]] = {}
        for item in await session.scalars(query.order_by(TagMenuItemRow.number)):
            found.setdefault(item.menu_id, {})[item.number] = item.tag
        return found
