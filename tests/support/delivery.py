"""Helpers for delivery tests: notes in the store, destinations, and a wired Delivery."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from bot.app import App
from bot.delivery.alerts import AdminMessage
from bot.delivery.config import DeliveryConfig
from bot.delivery.pacing import Sleep
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, Note, NoteSource, Platform
from bot.ports import Metrics
from tests.support.clock import FixedClock
from tests.support.renderer import ListRenderer
from tests.support.sleep import VirtualSleep
from tests.support.transport import RecordingTransport


def note(day: date, title: str, *tags: str, position: int = 0) -> Note:
    """A note as the parser would make it."""
    slug = title.lower().replace(" ", "-")
    return Note(
        key=f"{day.isoformat()}-{slug}",
        day=day,
        title=title,
        tags=tags,
        source=NoteSource(f"{day.isoformat()}.txt", position + 1),
        position=position,
    )


async def put_day(app: App, day: date, notes: Sequence[Note], *, version: str = "v1") -> list[str]:
    """Store a day's notes as one file (later calls replace it: edits and retractions)."""
    placed = [
        Note(
            key=n.key,
            day=n.day,
            title=n.title,
            tags=n.tags,
            commentary=n.commentary,
            source=NoteSource(f"{day.isoformat()}.txt", i + 1),
            position=i,
        )
        for i, n in enumerate(notes)
    ]
    changes = await app.notes.replace_file(
        f"{day.isoformat()}.txt",
        day,
        placed,
        file_hash=f"{day}-{version}",
        parser_version=1,
        now=app.clock.now(),
    )
    return changes.changed


def dest(channel: str = "C1", workspace: str = "T1", **settings: object) -> DestinationSettings:
    """A console destination with these settings."""
    tz = str(settings.pop("timezone", "Asia/Seoul"))
    destination = Destination(Platform.CONSOLE, workspace, channel, name=channel, timezone=tz)
    backfill = settings.pop("backfill", Backfill.ALL)
    return DestinationSettings(destination=destination, backfill=backfill, **settings)  # type: ignore[arg-type]


def wire(
    app: App, transport: RecordingTransport, clock: FixedClock, **options: Any
) -> tuple[Delivery, VirtualSleep]:
    """A Delivery over the app's database with the recording transport and virtual time.

    `options` are those of `wire_with`.
    """
    sleep = VirtualSleep(clock)
    return wire_with(app, transport, clock, sleep, **options), sleep


def wire_with(
    app: App,
    transport: RecordingTransport,
    clock: FixedClock,
    sleep: Sleep,
    *,
    config: DeliveryConfig | None = None,
    seed: int = 1,
    max_attempts: int = 6,
    owner: str = "test",
    lease: timedelta = timedelta(minutes=2),
    admin_message: AdminMessage | None = None,
    beat: Sleep | None = None,
    metrics: Metrics | None = None,
) -> Delivery:
    """`wire` with this sleep (and lease heartbeat, when the test drives it)."""
    return build_delivery(
        app.engine,
        routes={Platform.CONSOLE: Route(ListRenderer(), transport)},
        clock=clock,
        config=config,
        sleep=sleep,
        policy=RetryPolicy(max_attempts=max_attempts, rng=random.Random(seed)),
        owner=owner,
        lease=lease,
        admin_message=admin_message,
        beat=beat or asyncio.sleep,
        metrics=metrics,
    )


class ManualBeat:
    """A lease heartbeat that beats only when the test says `tick`: an owner stalled or alive."""

    def __init__(self) -> None:
        self._waiting: list[tuple[asyncio.Task[object] | None, asyncio.Future[None]]] = []

    async def __call__(self, seconds: float) -> None:
        beat: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((asyncio.current_task(), beat))
        await beat

    async def tick(self, limit: float = 10) -> None:
        """One beat of every waiting heartbeat; returns once each renewed (or gave up)."""
        async with asyncio.timeout(limit):
            while not self._waiting:  # noqa: ASYNC110 - a heartbeat task may not have started
                await asyncio.sleep(0.001)
        beats, self._waiting = self._waiting, []
        for _, beat in beats:
            beat.set_result(None)

        def settled(task: asyncio.Task[object] | None) -> bool:
            return task is None or task.done() or any(t is task for t, _ in self._waiting)

        async with asyncio.timeout(limit):
            while not all(settled(task) for task, _ in beats):  # noqa: ASYNC110 - no event
                await asyncio.sleep(0.001)  # the renewal is a database write: yield until done
