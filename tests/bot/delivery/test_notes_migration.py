"""`delivery_notes` converts the runs stored before it: a channel run matched nothing, a DM run
of one subscription matched it with every note (its header's filter is that subscription), a DM
run of several keeps no guess; messages sent before it are asked of the renderer again (no
keys). On SQLite and PostgreSQL, from an empty database migrated to `0006_run_snapshot`."""

from __future__ import annotations

import sqlalchemy as sa

from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database
from bot.store.subscriptions import run_snapshot
from bot.store.types import JSONList
from tests.support.clock import FixedClock

RUNS = sa.table(
    "digest_runs",
    *(sa.column(name) for name in ("id", "destination_key", "digest_key", "status", "trigger")),
    sa.column("note_keys", JSONList),
    *(sa.column(name) for name in ("filter_text", "overflow", "locale", "layout", "owner")),
    *(sa.column(name) for name in ("lease_until", "attempts", "error")),
    *(sa.column(name) for name in ("created_at", "updated_at", "max_entries", "empty_message")),
    sa.column("matched", JSONList),  # delivery_notes
)
PARTS = sa.table(
    "deliveries",
    *(sa.column(name) for name in ("id", "run_id", "destination_key", "digest_key", "part_no")),
    *(sa.column(name) for name in ("status", "platform", "workspace", "channel", "message_id")),
    *(sa.column(name) for name in ("content_hash", "attempts", "last_error", "created_at")),
    sa.column("note_keys", JSONList),
)


def _run(run_id: int, dest_key: str, digest_key: str, filter_text: str) -> dict[str, object]:
    now = FixedClock().now()
    return {
        "id": run_id,
        "destination_key": dest_key,
        "digest_key": digest_key,
        "status": "sent",
        "trigger": "schedule",
        "note_keys": ["n1", "n2"],
        "filter_text": filter_text,
        "overflow": 0,
        "locale": "en",
        "layout": "thread",
        "owner": "old",
        "lease_until": now,
        "attempts": 1,
        "error": "",
        "created_at": now,
        "updated_at": now,
        "max_entries": None,
        "empty_message": False,
    }


async def test_runs_stored_before_keep_what_they_can_tell(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        await upgrade_database(engine, "0006_run_snapshot")
        now = FixedClock().now()
        async with engine.begin() as connection:  # what the code before `delivery_notes` wrote
            await connection.execute(
                sa.insert(RUNS),
                [
                    _run(1, "console:T1:C1", "slot:2024-09-20T09:00", "tag:rl"),
                    _run(2, "console:T1:@ann", "dm:slot:2024-09-20T09:00", "tag:rl"),
                    _run(3, "console:T1:@bob", "dm:slot:2024-09-20T09:00", "tag:rl · tag:cv"),
                ],
            )
            await connection.execute(
                sa.insert(PARTS).values(
                    id=1,
                    run_id=1,
                    destination_key="console:T1:C1",
                    digest_key="slot:2024-09-20T09:00",
                    part_no=0,
                    status="sent",
                    platform="console",
                    workspace="T1",
                    channel="C1",
                    message_id="m1",
                    content_hash="h",
                    attempts=1,
                    last_error="",
                    created_at=now,
                )
            )
        await upgrade_database(engine)
        snapshots = [await run_snapshot(engine, run_id) for run_id in (1, 2, 3)]
        assert [s.matched if s else None for s in snapshots] == [
            (),
            (("n1", "tag:rl"), ("n2", "tag:rl")),
            (),  # which subscription brought which note was not stored: no guess
        ]
        async with engine.connect() as connection:
            unknown = list(
                await connection.scalars(sa.select(RUNS.c.id).where(RUNS.c.matched.is_(None)))
            )
            assert unknown == [3]
            keys = await connection.scalar(sa.select(PARTS.c.note_keys))
            assert keys is None  # not told: the renderer is asked again
    finally:
        await engine.dispose()
