"""`paperbot deliveries`: recent digest runs with their status and errors, as text lines."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import PaperbotError
from bot.store.deliveries import RunView, SqlDeliveryLedger
from bot.store.destinations import SqlDestinationStore

__all__ = [
    "UnknownDestinationError",
    "add_deliveries_command",
    "format_runs",
    "list_deliveries",
]

MAX_LIMIT = 10_000

_HEADER = (
    f"{'started (UTC)':<17} {'destination':<30} {'digest':<23} {'status':<8} "
    f"{'parts':>5}  {'notes':>5}  {'tries':>5}  error"
)


def add_deliveries_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `deliveries [--destination KEY] [--limit N]`."""
    parser = commands.add_parser(
        "deliveries", parents=[common], help="recent digest runs, their status and errors"
    )
    parser.add_argument(
        "--destination",
        help="only this destination, e.g. slack:T0123:C0456 (platform:workspace:channel)",
    )
    parser.add_argument("--limit", type=_limit, default=20, help="how many runs (default 20)")


def _limit(value: str) -> int:
    if not (value.isascii() and value.isdecimal()) or not 1 <= int(value) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of runs from 1 to {MAX_LIMIT}")
    return int(value)


def _line(run: RunView) -> str:
    started = run.created_at.strftime("%Y-%m-%d %H:%M")
    parts = f"{run.sent_parts}/{run.parts}"
    error = run.error.replace("\n", " ")[:80]
    return (
        f"{started:<17} {run.destination_key:<30} {run.digest_key:<23} {run.status:<8} "
        f"{parts:>5}  {run.notes:>5}  {run.attempts:>5}  {error}"
    ).rstrip()


def format_runs(runs: Sequence[RunView]) -> list[str]:
    """A header and one line per run, newest first."""
    if not runs:
        return ["no digest runs yet"]
    return [_HEADER, *(_line(run) for run in runs)]


class UnknownDestinationError(PaperbotError):
    """`--destination` names no destination: a typo must not read as "no runs yet"."""


async def list_deliveries(
    engine: AsyncEngine, destination: str | None, limit: int, declared: Iterable[str] = ()
) -> list[str]:
    """The lines `paperbot deliveries` prints; `declared` are the config's destination keys.

    Raises:
        UnknownDestinationError: `destination` is neither declared, set from chat, nor has runs.
    """
    ledger = SqlDeliveryLedger(engine)
    runs = await ledger.recent_runs(destination, limit)
    if destination is None or runs:
        return format_runs(runs)
    chat = [d.key for d in await SqlDestinationStore(engine).chat_destinations()]
    known = sorted({*declared, *chat, *await ledger.destination_keys()})
    if destination not in known:
        raise UnknownDestinationError(
            f"--destination: {destination!r} is not a destination here (known: "
            f"{', '.join(known) or 'none yet'}; a key is platform:workspace:channel)"
        )
    return [f"no digest runs yet for {destination}"]
