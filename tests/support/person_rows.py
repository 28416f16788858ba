"""How many rows of one person the database holds, table by table: the tables and conditions
`bot.store.subscriptions.person_rows` names (what `/paper unsubscribe all` deletes)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import open_app
from bot.digest.personal import Person
from bot.store.subscriptions import person_rows

__all__ = ["rows_of"]


async def rows_of(database_url: str, person: Person) -> dict[str, int]:
    """Table name → the person's rows in it, read with a connection of its own (the bot may
    be running)."""
    async with open_app(database_url) as app, app.engine.connect() as conn:
        counts = {}
        for table, where in person_rows(person):
            query = select(func.count()).select_from(table).where(where)
            counts[table.__tablename__] = int((await conn.execute(query)).scalar_one())
        return counts
