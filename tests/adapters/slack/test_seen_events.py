"""Slack event ids are handled once, by one replica, and forgotten after a while."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.store.slack_events import KEEP, SqlSeenEvents
from tests.support.clock import FixedClock


async def test_an_event_id_is_new_once_even_for_two_replicas(app: App) -> None:
    clock = FixedClock()
    one, two = SqlSeenEvents(app.engine, clock), SqlSeenEvents(app.engine, clock)
    first = await asyncio.gather(one.first_time("Ev1"), two.first_time("Ev1"))
    assert sorted(first) == [False, True]
    assert await one.first_time("Ev1") is False
    assert await two.first_time("Ev2") is True


async def test_old_ids_are_pruned(app: App) -> None:
    clock = FixedClock()
    seen = SqlSeenEvents(app.engine, clock)
    assert await seen.first_time("Ev-old")
    clock.advance(KEEP + timedelta(seconds=1))
    assert await seen.first_time("Ev-new")
    assert await seen.prune() == 1
    assert await seen.first_time("Ev-old") is True
    assert await seen.first_time("Ev-new") is False
