"""Helpers for delivery tests: notes in the store, destinations, and a wired Delivery."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from bot.app import App
from bot.delivery.alerts import AdminMessage
from bot.delivery.config import DeliveryConfig
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, Note, NoteSource, Platform
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
    app: App,
    transport: RecordingTransport,
    clock: FixedClock,
    *,
    config: DeliveryConfig | None = None,
    seed: int = 1,
    max_attempts: int = 6,
    owner: str = "test",
    lease: timedelta = timedelta(minutes=2),
    admin_message: AdminMessage | None = None,
) -> tuple[Delivery, VirtualSleep]:
    """A Delivery over the app's database with the recording transport and virtual time."""
    sleep = VirtualSleep(clock)
    delivery = build_delivery(
        app.engine,
        routes={Platform.CONSOLE: Route(ListRenderer(), transport)},
        clock=clock,
        config=config,
        sleep=sleep,
        policy=RetryPolicy(max_attempts=max_attempts, rng=random.Random(seed)),
        owner=owner,
        lease=lease,
        admin_message=admin_message,
    )
    return delivery, sleep
