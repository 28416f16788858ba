"""`pausetext_0001` adds the pause's error code: a destination paused before it stays paused,
with no code, and says its stored reason as before (on SQLite and PostgreSQL, from an empty
database migrated to `forum_posted_in`)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.delivery.advice import PauseAdvice
from bot.delivery.publisher import Route
from bot.delivery.service import build_delivery
from bot.models import Destination, Platform
from bot.store.engine import make_engine
from bot.store.migrate import upgrade_database
from tests.bot.commands.words import said
from tests.support.clock import FixedClock
from tests.support.renderer import ListRenderer
from tests.support.transport import RecordingTransport

STATE = sa.table(
    "destination_state",
    *(sa.column(name) for name in ("key", "start_day", "started", "consecutive_failures")),
    *(sa.column(name) for name in ("paused", "pause_reason", "updated_at")),
)
HERE = Destination(Platform.SLACK, "T1", "C0123ABCD")


async def test_a_pause_from_before_keeps_its_reason_and_has_no_code(empty_url: str) -> None:
    engine = make_engine(empty_url)
    clock = FixedClock()
    try:
        await upgrade_database(engine, "forum_posted_in")
        async with engine.begin() as connection:  # what the code before `pausetext_0001` wrote
            await connection.execute(
                sa.insert(STATE).values(
                    key=HERE.key,
                    start_day=None,
                    started=True,
                    consecutive_failures=3,
                    paused=True,
                    pause_reason="not_in_channel: invite @paperbot to C0123ABCD",
                    updated_at=clock.now(),
                )
            )
        await upgrade_database(engine)
        routes = {Platform.SLACK: Route(ListRenderer(), RecordingTransport())}
        delivery = build_delivery(engine, routes=routes, clock=clock)
        state = await delivery.destinations.state(HERE.key)
        assert state.paused and state.pause_code is None
        line = PauseAdvice(delivery.destinations, delivery.publisher).line(HERE, state)
        assert said(line, "ko") == (
            "일시 중지됨: not_in_channel: invite @paperbot to C0123ABCD. "
            "/paper channel set enable 로 다시 시작합니다."
        )
    finally:
        await engine.dispose()
