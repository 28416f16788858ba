#!/usr/bin/env python3
"""`/paper` over Discord on a synthetic corpus: interaction round trips and autocomplete latency.

    .venv/bin/python benchmarks/discord_command.py [--entries 50000] [--rounds 50]
        [--sqlite-path FILE]

The real discord.py client with paperbot's command tree runs against the local stand-in
(tests/support/discord_standin.py, its schema checks off: they cost more than the bot) over
loopback, on SQLite. A round trip is the time from the stand-in dispatching INTERACTION_CREATE
to it receiving the answer: for `/paper QUERY` the reply with the results (a search done within
1 s is answered at once; a slower one is deferred and its follow-up is what is timed), for a
no-op command registered on the same client its immediate reply. `/paper` is timed cold (the
search results cache emptied before each: a query not asked since the last ingest) and warm
(the cache kept: the 6 queries repeat), on separate rows. Autocomplete is INTERACTION_CREATE
(type 4) to the type 8 callback.
Targets (issue 11): `/paper` median within 1.5x of the no-op, autocomplete p99 under 50 ms.
Before the client starts, the search is warmed up as `paperbot run` does (`PaperCommand.
warm_up`); its time and the first `/paper` after the start (one interaction, before the timed
rows) are printed too; `--no-warm-up` starts without it, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
from discord import app_commands  # noqa: E402
from search_speed import GLOSSARY, ingest  # noqa: E402

from adapters.discord.client import ClientParts, build_client  # noqa: E402
from adapters.discord.endpoints import Endpoints, apply_endpoints  # noqa: E402
from bot.app import open_app, search_service  # noqa: E402
from bot.commands.paper import PaperCommand  # noqa: E402
from bot.wiring.discord import paper_services  # noqa: E402
from tests.support.discord_bot import MemoryHashes  # noqa: E402
from tests.support.discord_standin import DiscordStandIn, Interaction, snowflake  # noqa: E402

QUERIES = ["rlhf", "tag:llm", "reward model", "author:kim", "since:2024-06 scaling", "가중치 평균"]
TYPED = ["r", "rl", "rew", "scal", "model", "align", "트랜", "tag:ll", "#vis", "diffusion m"]


def _noop() -> app_commands.Command[Any, Any, None]:
    @app_commands.command(name="noop", description="answers at once")
    async def noop(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    return noop


async def _timed(run: Callable[[], Awaitable[object]], rounds: int) -> list[float]:
    await run()  # warm-up
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _row(label: str, times: list[float]) -> str:
    p99 = statistics.quantiles(times, n=100)[98] if len(times) > 1 else times[0]
    return f"{label:<34} {statistics.median(times):8.2f} ms {p99:8.2f} ms"


async def measure(entries: int, rounds: int, path: Path, *, warm_up: bool = True) -> list[str]:
    async with open_app(f"sqlite:///{path}", glossary=GLOSSARY) as app:
        if await app.notes.count() == 0:
            seconds, written = await ingest(app, entries)
            print(f"ingested {written} notes in {seconds:.1f} s", flush=True)
        standin = await DiscordStandIn(validate=False).start()  # the tests validate
        apply_endpoints(Endpoints(standin.api_base, standin.gateway_url))
        guild = standin.add_guild()
        channel = standin.guilds[guild][0]
        search = search_service(app)
        paper_command = PaperCommand(search)
        started = time.perf_counter()
        if warm_up:
            await paper_command.warm_up()
        warmed = f"{(time.perf_counter() - started) * 1000:.1f} ms" if warm_up else "off"
        parts = ClientParts(paper_services(app, paper_command), MemoryHashes())
        client = build_client(parts, guild_ready_timeout=0.1)
        client.tree.add_command(_noop())  # type: ignore[attr-defined]
        task = asyncio.create_task(client.start("bench-token"))
        try:
            await asyncio.wait_for(client.wait_until_ready(), 30)
            loaded = len(parts.services.suggestions.choices("a"))
            print(f"suggestions loaded ({loaded} for 'a')", flush=True)

            async def command(name: str, options: list[dict[str, Any]]) -> Interaction:
                data = {"id": snowflake(), "name": name, "type": 1, "options": options}
                return await standin.interact(2, data, channel_id=channel)

            queries = iter(QUERIES * (rounds + 1))
            typed = iter(TYPED * (rounds + 1))

            async def paper() -> None:
                option = {"name": "query", "type": 3, "value": next(queries)}
                asked = await command("paper", [option])
                await standin.wait_for(lambda: asked.complete, 30)

            async def paper_cold() -> None:
                search.cache.clear()
                await paper()

            async def noop() -> None:
                asked = await command("noop", [])
                await standin.wait_for(lambda: asked.callbacks, 30)

            async def complete() -> None:
                option = {"name": "query", "type": 3, "value": next(typed), "focused": True}
                data = {"id": snowflake(), "name": "paper", "type": 1, "options": [option]}
                asked = await standin.interact(4, data, channel_id=channel)
                await standin.wait_for(lambda: asked.callbacks, 30)

            started = time.perf_counter()
            await paper()  # the first /paper after the start
            first = (time.perf_counter() - started) * 1000
            rows = [
                _row("no-op command round trip", await _timed(noop, rounds)),
                _row("/paper round trip, cold", await _timed(paper_cold, rounds)),
                _row("/paper round trip, warm (cached)", await _timed(paper, rounds)),
                _row("/paper autocomplete", await _timed(complete, rounds)),
            ]
            rows.append(
                f"search warm-up at start: {warmed}; first /paper after start: {first:.1f} ms"
            )
            if standin.problems:
                print("stand-in problems:", standin.problems[:3])
            return rows
        finally:
            await client.close()
            await task
            await standin.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--sqlite-path", type=Path, help="keep the SQLite corpus here (reused)")
    parser.add_argument("--no-warm-up", action="store_true", help="start without the warm-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.sqlite_path or Path(folder) / "discord.sqlite3"
        rows = asyncio.run(measure(args.entries, args.rounds, path, warm_up=not args.no_warm_up))
    print(f"\n{args.entries} entries, {args.rounds} rounds each, SQLite, loopback stand-in")
    print(f"{'':<34} {'median':>11} {'p99':>11}")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
