"""A digest process for multi-process tests: the real service, posting to a JSON Lines file.

    python -m tests.support.digest_worker --database-url URL --out FILE [options]

Each post is appended (one `write`, O_APPEND) before the ledger records it, so a kill between
the two leaves exactly the "sent but not recorded" message the crash bound is about.
`--kill-after N` is that kill, at a known point whatever the machine's load: the process
SIGKILLs itself right after writing its Nth post.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import time
from datetime import timedelta
from typing import Any

from bot.app import open_app
from bot.delivery.config import DeliveryConfig
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.service import build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, MessageRef, Platform
from bot.scheduling.runtime import serve_digests
from tests.support.renderer import ListRenderer


class FileTransport:
    """Appends each post as a JSON line: pid, destination, text, message id, wall-clock time."""

    def __init__(self, path: str, delay: float, kill_after: int = 0) -> None:
        self._path, self._delay, self._count = path, delay, 0
        self._kill_after = kill_after

    async def post(
        self,
        destination: Destination,
        payload: Any,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        await asyncio.sleep(self._delay)
        self._count += 1
        message_id = f"{os.getpid()}-{self._count}"
        line = {
            "pid": os.getpid(),
            "dest": destination.key,
            "text": payload.plain,
            "id": message_id,
            "at": time.time(),
        }
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(line) + "\n").encode())
        finally:
            os.close(fd)
        if self._count == self._kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup: the ledger never hears of it
        return MessageRef(
            destination.platform, destination.workspace, destination.channel, message_id
        )

    async def edit(self, ref: MessageRef, payload: Any) -> None:
        return None


def _config(args: argparse.Namespace) -> DeliveryConfig:
    destinations = tuple(
        DestinationSettings(
            destination=Destination(Platform.CONSOLE, "T1", f"C{i:03d}", timezone="Asia/Seoul"),
            schedule=args.schedule,
            backfill=Backfill.ALL,
            empty_message=args.empty_message,
        )
        for i in range(args.destinations)
    )
    return DeliveryConfig(destinations=destinations, misfire_grace_seconds=args.grace)


async def _main(args: argparse.Namespace) -> None:
    async with open_app(args.database_url) as app:
        delivery = build_delivery(
            app.engine,
            routes={
                Platform.CONSOLE: Route(
                    ListRenderer(), FileTransport(args.out, args.post_delay, args.kill_after)
                )
            },
            clock=app.clock,
            config=_config(args),
            pacer=Pacer(app.clock, asyncio.sleep, channel_interval=args.channel_interval),
            lease=timedelta(seconds=args.lease),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.call_later(args.duration, stop.set)
        await serve_digests(delivery, stop, poll_seconds=args.poll, resume_every=args.resume_every)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--destinations", type=int, default=10)
    parser.add_argument("--schedule", default="0 0 * * * *")
    parser.add_argument("--grace", type=int, default=7200)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--resume-every", type=float, default=0.5)
    parser.add_argument("--post-delay", type=float, default=0.02)
    parser.add_argument("--channel-interval", type=float, default=0.01)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--kill-after", type=int, default=0, help="SIGKILL after this post")
    parser.add_argument("--empty-message", action="store_true")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s: %(message)s")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
