"""Subscriptions and DM plans on SQLite and PostgreSQL, idempotent under repeated events.

Every write is an insert that does nothing on conflict (`ON CONFLICT DO NOTHING`, on both
engines) or a delete, so the same event applied twice, or by two processes at once, leaves the
same rows. A subscription lives while it has an origin: `command`, `reaction:<message>` or
`menu:<message>:<number>`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.digest.build import RunSnapshot
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.models import Note, Platform
from bot.store.delivery_schema import (
    AssignedNoteRow,
    DeliveryRow,
    DestinationStateRow,
    DigestRunRow,
)
from bot.store.destinations import RESUMED
from bot.store.notes import note_from_row
from bot.store.reaction_marks import make_opaque
from bot.store.run_views import snapshot_of
from bot.store.schema import NoteRow
from bot.store.sql_store import SqlStore
from bot.store.subscription_schema import (
    DmNoticeRow,
    ReactionMarkRow,
    SubscriberRow,
    SubscriptionOriginRow,
    SubscriptionRow,
)

__all__ = [
    "COMMAND_ORIGIN",
    "SqlSubscriptionStore",
    "StoredSubscription",
    "person_rows",
    "run_snapshot",
]

COMMAND_ORIGIN = "command"


@dataclass(frozen=True, slots=True)
class StoredSubscription:
    """A person's subscription as stored: its filter text, when it began, and why it exists."""

    person: Person
    text: str
    since: datetime
    origins: tuple[str, ...]


def _person(row: Any) -> Person:
    return Person(Platform(row.platform), row.workspace, row.user_id)


def _of(person: Person) -> Any:
    return (
        (SubscriptionRow.platform == person.platform.value)
        & (SubscriptionRow.workspace == person.workspace)
        & (SubscriptionRow.user_id == person.user)
    )


def _rows_of(table: Any, person: Person) -> tuple[Any, ...]:
    return (
        table.platform == person.platform.value,
        table.workspace == person.workspace,
        table.user_id == person.user,
    )


def person_rows(person: Person) -> list[tuple[Any, ColumnElement[bool]]]:
    """Every table that holds something of the person, with the condition that picks their rows,
    children before parents: their subscriptions (and origins), plan, the reactions seen from
    them, the notice of a DM that failed, and their DM history (the DM destination's runs,
    messages, taken notes and state). `forget` deletes exactly these, and the end-to-end tests
    of `unsubscribe all` count them, so one list says what "nothing of that person" means."""
    dm, mine = person.key, select(SubscriptionRow.id).where(_of(person))
    return [
        (SubscriptionOriginRow, SubscriptionOriginRow.subscription_id.in_(mine)),
        (SubscriptionRow, _of(person)),
        (SubscriberRow, and_(*_rows_of(SubscriberRow, person))),
        (ReactionMarkRow, and_(*_rows_of(ReactionMarkRow, person))),
        (DmNoticeRow, and_(*_rows_of(DmNoticeRow, person))),
        (DeliveryRow, DeliveryRow.destination_key == dm),
        (AssignedNoteRow, AssignedNoteRow.destination_key == dm),
        (DigestRunRow, DigestRunRow.destination_key == dm),
        (DestinationStateRow, DestinationStateRow.key == dm),
    ]


class SqlSubscriptionStore(SqlStore):
    """One short transaction per call."""

    async def add(
        self,
        person: Person,
        filters: Sequence[str],
        origin: str,
        *,
        now: datetime,
        plan: DeliveryPlan,
    ) -> list[str]:
        """Follow `filters` for `origin` (a no-op for what is already there); returns the
        filters this call newly subscribed. `plan` is the person's plan if they have none.

        What is new is what this call's insert wrote, not what a read before it missed: of two
        calls at once (an event and the reconcile pass, two replicas) only one reports a filter,
        so only one confirms it."""
        added: list[str] = []
        async with self._sessions() as session, session.begin():
            await self._ensure_subscriber(session, person, plan, now)
            for text in dict.fromkeys(filters):
                inserted = await session.execute(
                    self._insert(SubscriptionRow)
                    .values(
                        platform=person.platform.value,
                        workspace=person.workspace,
                        user_id=person.user,
                        filter_text=text,
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(SubscriptionRow.id)
                )
                if inserted.first() is not None:  # else: there already
                    added.append(text)
            ids = await session.scalars(
                select(SubscriptionRow.id).where(
                    _of(person), SubscriptionRow.filter_text.in_(list(filters))
                )
            )
            for sub_id in list(ids):
                await session.execute(
                    self._insert(SubscriptionOriginRow)
                    .values(subscription_id=sub_id, origin=origin, created_at=now)
                    .on_conflict_do_nothing()
                )
        return added

    async def _ensure_subscriber(
        self, session: AsyncSession, person: Person, plan: DeliveryPlan, now: datetime
    ) -> None:
        await session.execute(
            self._insert(SubscriberRow)
            .values(
                platform=person.platform.value,
                workspace=person.workspace,
                user_id=person.user,
                cadence=plan.cadence.value,
                at_time=plan.at,
                timezone=plan.timezone,
                locale=plan.locale,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )

    async def remove(self, person: Person, filters: Iterable[str]) -> list[str]:
        """Stop following `filters`, whatever added them; returns those that were followed."""
        texts = list(filters)
        async with self._sessions() as session, session.begin():
            ids = list(
                await session.scalars(
                    select(SubscriptionRow.id).where(
                        _of(person), SubscriptionRow.filter_text.in_(texts)
                    )
                )
            )
            gone = await self._delete(session, ids)
        return [text for text in texts if text in gone]

    async def remove_origin(self, person: Person, origin: str) -> list[str]:
        """Take back what one origin added: its origin rows go, and every subscription of the
        person left without an origin goes too. Returns the filters no longer followed."""
        async with self._sessions() as session, session.begin():
            mine = select(SubscriptionRow.id).where(_of(person))
            await session.execute(
                delete(SubscriptionOriginRow).where(
                    SubscriptionOriginRow.origin == origin,
                    SubscriptionOriginRow.subscription_id.in_(mine),
                )
            )
            has_origin = exists().where(SubscriptionOriginRow.subscription_id == SubscriptionRow.id)
            orphans = list(
                await session.scalars(select(SubscriptionRow.id).where(_of(person), ~has_origin))
            )
            return sorted(await self._delete(session, orphans))

    @staticmethod
    async def _delete(session: AsyncSession, ids: list[int]) -> set[str]:
        if not ids:
            return set()
        texts = set(
            await session.scalars(
                select(SubscriptionRow.filter_text).where(SubscriptionRow.id.in_(ids))
            )
        )
        await session.execute(
            delete(SubscriptionOriginRow).where(SubscriptionOriginRow.subscription_id.in_(ids))
        )
        await session.execute(delete(SubscriptionRow).where(SubscriptionRow.id.in_(ids)))
        return texts

    async def for_person(self, person: Person) -> list[StoredSubscription]:
        """The person's subscriptions, oldest first."""
        return (await self._subscriptions(_of(person))).get(person, [])

    async def everyone(self) -> dict[Person, list[StoredSubscription]]:
        """Every person's subscriptions (one query), oldest first."""
        return await self._subscriptions(None)

    async def in_workspace(self, platform: Platform, workspace: str) -> list[Person]:
        """The people with a subscription in one workspace (their DM digests), in no order."""
        s = SubscriptionRow
        query = (
            select(s.platform, s.workspace, s.user_id)
            .where(s.platform == platform.value, s.workspace == workspace)
            .distinct()
        )
        async with self._sessions() as session:
            rows = await session.execute(query)
        return [_person(row) for row in rows]

    async def _subscriptions(self, where: Any) -> dict[Person, list[StoredSubscription]]:
        s, o = SubscriptionRow, SubscriptionOriginRow
        query = select(
            s.id, s.platform, s.workspace, s.user_id, s.filter_text, s.created_at, o.origin
        ).join(o, o.subscription_id == s.id)
        if where is not None:
            query = query.where(where)
        query = query.order_by(s.created_at, s.id)
        grouped: dict[Person, dict[int, StoredSubscription]] = {}
        async with self._sessions() as session:
            rows = await session.execute(query)  # plain rows: a fan-out reads thousands
        for row in rows:
            person = _person(row)
            subs = grouped.setdefault(person, {})
            known = subs.get(row.id)
            origins = (*known.origins, row.origin) if known else (row.origin,)
            subs[row.id] = StoredSubscription(person, row.filter_text, row.created_at, origins)
        return {p: list(subs.values()) for p, subs in grouped.items()}

    async def plan(self, person: Person) -> DeliveryPlan | None:
        """The person's DM plan, or None when they never subscribed."""
        async with self._sessions() as session:
            row = await session.get(
                SubscriberRow, (person.platform.value, person.workspace, person.user)
            )
        return None if row is None else _plan(row)

    async def plans(self) -> dict[Person, DeliveryPlan]:
        """Every person's DM plan."""
        r = SubscriberRow
        query = select(
            r.platform, r.workspace, r.user_id, r.cadence, r.at_time, r.timezone, r.locale
        )
        async with self._sessions() as session:
            rows = await session.execute(query)
        return {_person(row): _plan(row) for row in rows}

    async def set_plan(self, person: Person, plan: DeliveryPlan, *, now: datetime) -> None:
        """Store the person's cadence, time, zone and language."""
        async with self._sessions() as session, session.begin():
            await self._ensure_subscriber(session, person, plan, now)
            await session.execute(
                update(SubscriberRow)
                .where(
                    SubscriberRow.platform == person.platform.value,
                    SubscriberRow.workspace == person.workspace,
                    SubscriberRow.user_id == person.user,
                )
                .values(
                    cadence=plan.cadence.value,
                    at_time=plan.at,
                    timezone=plan.timezone,
                    locale=plan.locale,
                    updated_at=now,
                )
            )

    async def resume_dm(self, person: Person, *, codes: Collection[str] | None = None) -> bool:
        """Lift a pause of the person's DM destination (they asked for DMs again) and forget
        the code that paused it (no stale code stays stored) and their notice (nothing is left
        to tell them); True when it was paused. With `codes`, only a pause with one of them
        is lifted (a reinstall lifts what the uninstall paused), and a notice only with it."""
        r = DestinationStateRow
        paused = [r.key == person.key, r.paused.is_(True)]
        if codes is not None:
            paused.append(r.pause_code.in_(list(codes)))
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(r).where(*paused).values(**RESUMED).returning(r.key)
            )
            resumed = result.first() is not None
            if resumed or codes is None:
                await session.execute(delete(DmNoticeRow).where(*_rows_of(DmNoticeRow, person)))
            return resumed

    async def forget(self, person: Person) -> None:
        """Remove everything stored about the person: every row `person_rows` names. Their
        reaction marks are first copied as opaque marks (`make_opaque`: no id of theirs), so a
        🔔 they leave on a message is not taken for a new one by the next reconcile pass."""
        async with self._sessions() as session, session.begin():
            await make_opaque(session, self._dialect, person)
            for table, where in person_rows(person):
                await session.execute(delete(table).where(where))

    async def new_notes(self, since: datetime) -> list[tuple[Note, datetime]]:
        """Live notes first stored at or after `since`, with that instant, oldest day first."""
        query = (
            select(NoteRow)
            .where(NoteRow.retracted.is_(False), NoteRow.created_at >= since)
            .order_by(NoteRow.day, NoteRow.position, NoteRow.id)
        )
        async with self._sessions() as session:
            return [(note_from_row(row), row.created_at) for row in await session.scalars(query)]

    async def sent_to(
        self, dest_keys: Iterable[str], note_keys: Iterable[str]
    ) -> dict[str, set[str]]:
        """Per destination among these, the notes among these a run of it already took (one
        query over the notes' assignments, served by `ix_assigned_notes_note`)."""
        dests, notes = set(dest_keys), list(note_keys)
        if not dests or not notes:
            return {}
        query = select(AssignedNoteRow.destination_key, AssignedNoteRow.note_key).where(
            AssignedNoteRow.note_key.in_(notes)
        )
        taken: dict[str, set[str]] = {}
        async with self._sessions() as session:
            for dest, note in await session.execute(query):
                if dest in dests:
                    taken.setdefault(dest, set()).add(note)
        return taken


def _plan(row: Any) -> DeliveryPlan:
    return DeliveryPlan(Cadence(row.cadence), row.at_time, row.timezone, row.locale)


async def run_snapshot(engine: AsyncEngine, run_id: int) -> RunSnapshot | None:
    """The stored snapshot of one digest run (what it took and how it renders), read-only."""
    async with async_sessionmaker(engine)() as session:
        run = await session.get(DigestRunRow, run_id)
        return None if run is None else snapshot_of(run)
