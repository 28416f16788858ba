"""Delivery through the real renderers, from real notes files, with a transport that records
the exact payloads posted and edited (any platform) and can stop mid-send like a killed task."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import App
from bot.delivery.corrections import CorrectionReport
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.errors import DeliveryError
from bot.models import Destination, MessageRef, Platform
from bot.ports import Renderer, Transport
from bot.scheduling.jobs import ingest_and_correct
from formatters.console_text import ConsoleRenderer
from formatters.discord_embeds import DiscordRenderer
from formatters.slack_blocks import SlackRenderer
from tests.support.clock import FixedClock
from tests.support.sleep import VirtualSleep

RENDERERS: dict[Platform, Renderer[Any]] = {
    Platform.SLACK: SlackRenderer(),
    Platform.DISCORD: DiscordRenderer(),
    Platform.CONSOLE: ConsoleRenderer(),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One note as written in a notes file."""

    title: str
    commentary: str = "코멘트입니다."
    tags: tuple[str, ...] = ("rl",)
    authors: str = "Alice Kim"


def notes_text(header: str, entries: Sequence[Entry]) -> str:
    """A notes file in the documented format: the date line, then each note."""
    lines = [header]
    for e in entries:
        lines += [e.title, f"({e.authors})", e.commentary, " ".join(f"#{t}" for t in e.tags)]
    return "\n".join(lines) + "\n"


def write_notes(folder: Path, entries: Sequence[Entry], *, name: str = "2024-09-20.txt") -> None:
    """Write (or rewrite) the day's notes file for 2024-09-20."""
    (folder / name).write_text(notes_text("2024년 9월 20일", entries), encoding="utf-8")


@dataclass
class Posted:
    """One message the transport accepted."""

    destination: str
    payload: Any
    thread: str | None
    ref: MessageRef


@dataclass
class PayloadTransport:
    """Records payloads; `stop_after` posts, the next post is cancelled (as a killed task is);
    `fail_posts` makes every post fail with that permanent error."""

    stop_after: int | None = None
    fail_posts: str | None = None
    posted: list[Posted] = field(default_factory=list)
    edits: list[tuple[MessageRef, Any]] = field(default_factory=list)
    _counter: int = 0

    async def post(
        self,
        destination: Destination,
        payload: Any,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        if self.fail_posts is not None:
            raise DeliveryError(self.fail_posts, retryable=False)
        if self.stop_after is not None and len(self.posted) >= self.stop_after:
            raise asyncio.CancelledError
        self._counter += 1
        ref = MessageRef(
            destination.platform, destination.workspace, destination.channel, f"m{self._counter}"
        )
        self.posted.append(Posted(destination.key, payload, thread and thread.message_id, ref))
        return ref

    async def edit(self, ref: MessageRef, payload: Any) -> None:
        self.edits.append((ref, payload))

    def shown(self) -> dict[str, Any]:
        """What each posted message shows now (its last edit, else as posted), by message id."""
        current = {p.ref.message_id: p.payload for p in self.posted}
        for ref, payload in self.edits:
            current[ref.message_id] = payload
        return current


def real_wire(
    app: App,
    transport: Transport[Any],
    clock: FixedClock,
    *,
    owner: str = "test",
    lease: timedelta = timedelta(minutes=2),
) -> Delivery:
    """A Delivery over the app's database: every platform rendered for real, one transport."""
    return build_delivery(
        app.engine,
        routes={p: Route(r, transport) for p, r in RENDERERS.items()},
        clock=clock,
        sleep=VirtualSleep(clock),
        policy=RetryPolicy(max_attempts=2, rng=random.Random(1)),
        owner=owner,
        lease=lease,
        notes=app.notes,
    )


def channel(
    platform: Platform = Platform.CONSOLE, name: str = "C1", **settings: Any
) -> DestinationSettings:
    """A destination on `platform` that receives every stored day."""
    destination = Destination(
        platform, "T1", name, name=name, locale=str(settings.pop("locale", "ko"))
    )
    return DestinationSettings(destination=destination, backfill=Backfill.ALL, **settings)


async def ingest(folder: Path, delivery: Delivery) -> CorrectionReport:
    """Re-read the notes folder and correct what changed, as `paperbot run` does."""
    report, corrections = await ingest_and_correct([folder], delivery)
    assert report.skipped == [], [f.skipped for f in report.skipped]
    return corrections
