"""`paperbot render`: the exact messages a digest of one notes day would send.

`--json` prints a JSON array of payloads (`to_json()`, the form golden files hold); without it
Slack and Discord payloads are printed one by one and console ones as the terminal shows them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from bot.app import App, console_channel, open_app, renderer_for
from bot.ingest.importer import collect_note_files, ingest_paths
from bot.models import Digest, DigestDay, Layout, Note, Platform
from bot.payloads import ConsolePayload

__all__ = ["add_render_command", "day_digest", "render_command"]


def add_render_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register `render` on the CLI's subcommands."""
    render = commands.add_parser(
        "render", parents=[common], help="show the messages a day's digest would send"
    )
    render.add_argument(
        "--platform",
        choices=[p.value for p in Platform],
        default="console",
        help="whose payloads (default: console, as the terminal shows them)",
    )
    render.add_argument("--date", type=notes_day, help="notes day YYYY-MM-DD (default: the newest)")
    render.add_argument(
        "--layout",
        choices=[layout.value for layout in Layout],
        default="thread",
        help="default: thread",
    )
    render.add_argument("--locale", choices=("ko", "en"), default="ko", help="default: ko")
    render.add_argument("--json", action="store_true", help="print a JSON array of payloads")
    render.set_defaults(notes_dir=None, templates_dir=None)  # from the settings


def notes_day(value: str) -> date:
    """`--date`: a day that exists, worded as a search's `after:` words a bad one."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None


def day_digest(day: date, notes: list[Note], *, locale: str, layout: Layout) -> Digest:
    """The digest of one notes day for a channel without a filter."""
    return Digest(
        key=f"daily:{day.isoformat()}",
        days=(DigestDay(day, tuple(notes)),),
        locale=locale,
        layout=layout,
    )


async def _load(app: App, args: argparse.Namespace) -> Digest | None:
    if await app.notes.count() == 0:
        await ingest_paths(collect_note_files([args.notes_dir]), app.notes, app.clock)
    day = args.date or await app.notes.newest_day()
    notes = await app.notes.on_day(day) if day is not None else []
    if day is None or not notes:
        return None
    return day_digest(day, notes, locale=args.locale, layout=Layout(args.layout))


async def render_command(args: argparse.Namespace) -> int:
    """Render the day's digest for one platform to stdout; 1 when there are no notes that day."""
    async with open_app(args.database_url) as app:
        digest = await _load(app, args)
    if digest is None:
        wanted = args.date.isoformat() if args.date else "any day"
        sys.stderr.write(f"paperbot: no notes for {wanted} (ingest some first)\n")
        return 1
    payloads = renderer_for(Platform(args.platform), args.templates_dir).render_digest(digest)
    if args.json:
        data = [payload.to_json() for payload in payloads]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif args.platform == Platform.CONSOLE.value:
        console_channel(None, args.templates_dir).show(
            [p for p in payloads if isinstance(p, ConsolePayload)]
        )
    else:
        for number, payload in enumerate(payloads, 1):
            where = "thread reply" if payload.to_json().get("thread") else "channel"
            sys.stdout.write(f"── message {number}/{len(payloads)} ({where}) ──\n")
            sys.stdout.write(json.dumps(payload.to_json(), ensure_ascii=False, indent=2) + "\n")
    return 0
