#!/usr/bin/env python3
"""Slack `/paper` round trips: a signed slash command in, the ephemeral answer out, over real HTTP
to the Bolt app paperbot mounts on its aiohttp server, beside a no-op Bolt command on the same
server, in the same run.

    .venv/bin/python benchmarks/slack_command.py [--entries 50000] [--rounds 5]
        [--sqlite-path FILE]

The bot side is what `paperbot run` builds with Slack on (`SlackPlatform`: route, mount, start,
the real command core over a synthetic corpus in SQLite); Slack's Web API is the test stand-in
on loopback (only `auth.test` is called). Each round sends every query of the search benchmark's
mix to `/paper` twice, cold (the search results cache emptied first: a query not asked since
the last ingest) and warm (the same query again: answered from the cache), each beside one
no-op command (`/noop`, acknowledged empty). The figures are the median and 99th percentile of
the wall time from sending the signed request to having the answer, and the ratios of the
medians (targets: median within 1.5x of the no-op, p99 under 300 ms). `--sqlite-path` keeps
the loaded corpus and reuses it on the next run.

Before the platform starts, the search is warmed up as `paperbot run` does (`PaperCommand.
warm_up`); its time and the first `/paper` after the start (one request, before the timed
rounds) are printed too; `--no-warm-up` starts without it, for comparison.
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

from aiohttp import web

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from search_speed import QUERY_MIX, ingest  # noqa: E402

from adapters.http.prometheus import PrometheusMetrics  # noqa: E402
from adapters.http.server import HttpServer  # noqa: E402
from adapters.slack.bolt import build_bolt_app  # noqa: E402
from adapters.slack.clients import web_client  # noqa: E402
from adapters.slack.listeners import SlackListeners  # noqa: E402
from bot.app import App, open_app, search_service  # noqa: E402
from bot.commands.admin import register_admin_commands  # noqa: E402
from bot.commands.channel import ChannelCommands  # noqa: E402
from bot.commands.paper import PaperCommand  # noqa: E402
from bot.commands.reactions import ReactionHandler  # noqa: E402
from bot.delivery.service import build_delivery  # noqa: E402
from bot.health import HealthRegistry  # noqa: E402
from bot.models import Platform  # noqa: E402
from bot.wiring import PlatformContext  # noqa: E402
from bot.wiring.slack import SlackFactory  # noqa: E402
from tests.support.slack_api import slack_api  # noqa: E402
from tests.support.slack_requests import SlackSender  # noqa: E402

SECRET = "benchmark-signing-secret"
TOKEN = "xoxb-benchmark-0000"


def _noop_mount(url_path: str, base_url: str) -> Callable[[web.Application], None]:
    """A second Bolt app whose only command acknowledges empty: Bolt's own floor."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    listeners = SlackListeners()
    bolt = build_bolt_app(SECRET, web_client(base_url, TOKEN), listeners)

    async def noop(ack: Callable[[], Awaitable[None]]) -> None:
        await ack()

    bolt.command("/noop")(noop)

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    def mount(web_app: web.Application) -> None:
        web_app.router.add_post(url_path, handle)

    return mount


async def _round_trip(sender: SlackSender, text: str, command: str = "/paper") -> float:
    body = sender.command_body(text).replace(b"command=%2Fpaper", f"command={command}".encode())
    started = time.perf_counter()
    answer = await sender.send(body, "application/x-www-form-urlencoded")
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status != 200:
        raise RuntimeError(f"{command} {text!r}: HTTP {answer.status} {answer.text[:200]}")
    if command == "/paper" and '"response_type": "ephemeral"' not in answer.text:
        raise RuntimeError(f"/paper {text!r} was not answered in the ack: {answer.text[:200]}")
    return elapsed


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def _measure(app: App, rounds: int, *, warm_up: bool = True) -> dict[str, list[float]]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        environ = {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_BASE_URL": api.base_url,
        }
        platform = SlackFactory().from_env(environ)
        assert platform is not None
        metrics = PrometheusMetrics()
        route = platform.route(app)
        delivery = build_delivery(
            app.engine, routes={Platform.SLACK: route}, clock=app.clock, notes=app.notes
        )
        search = search_service(app)
        paper = PaperCommand(search)
        register_admin_commands(paper, ChannelCommands(delivery))
        started = time.perf_counter()
        if warm_up:
            await paper.warm_up()
        warm_up_ms = (time.perf_counter() - started) * 1000
        server = HttpServer(
            HealthRegistry(),
            metrics,
            mounts=[platform.mount, _noop_mount("/bench/noop", api.base_url)],
        )
        port = await server.start("127.0.0.1", 0)
        context = PlatformContext(
            app=app,
            paper=paper,
            delivery=delivery,
            reactions=ReactionHandler(delivery.ledger, metrics),
            metrics=metrics,
            http_port=port,
        )
        await platform.start(context)
        paper_url = f"http://127.0.0.1:{port}/slack/events"
        noop_url = f"http://127.0.0.1:{port}/bench/noop"
        to_paper = SlackSender(paper_url, SECRET, api.response_url)
        to_noop = SlackSender(noop_url, SECRET, api.response_url)
        try:
            queries = [q for q, _, _ in QUERY_MIX]
            first = await _round_trip(to_paper, queries[0])  # auth.test, caches
            await _round_trip(to_noop, "warm-up", "/noop")
            times: dict[str, list[float]] = {"cold": [], "warm": [], "noop": []}
            times.update(first=[first], warm_up=[warm_up_ms])
            for _ in range(rounds):
                for query in queries:
                    search.cache.clear()
                    times["cold"].append(await _round_trip(to_paper, query))
                    times["noop"].append(await _round_trip(to_noop, query, "/noop"))
                    times["warm"].append(await _round_trip(to_paper, query))
                    times["noop"].append(await _round_trip(to_noop, query, "/noop"))
        finally:
            await platform.stop()
            await server.stop()
        return times


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = args.sqlite_path or Path(scratch) / "slack-bench.sqlite3"
        fresh = not path.exists()
        async with open_app(f"sqlite:///{path}") as app:
            if fresh:
                seconds, count = await ingest(app, args.entries)
                print(f"loaded {count} synthetic notes in {seconds:.1f} s")
            times = await _measure(app, args.rounds, warm_up=not args.no_warm_up)
    noop_median = statistics.median(times["noop"])
    print(f"{len(times['cold'])} /paper round trips cold and warm, SQLite, {args.entries} entries")
    print(f"{'':>14} {'median ms':>10} {'p99 ms':>8} {'ratio':>6}")
    for label, key in (("/paper cold", "cold"), ("/paper warm", "warm"), ("no-op Bolt", "noop")):
        median = statistics.median(times[key])
        print(f"{label:>14} {median:>10.1f} {_p99(times[key]):>8.1f} {median / noop_median:>6.2f}")
    print("targets: median ratio ≤ 1.5; /paper p99 < 300 ms")
    warmed = "off" if args.no_warm_up else f"{times['warm_up'][0]:.1f} ms"
    first = times["first"][0]
    print(f"search warm-up at start: {warmed}; first /paper after start: {first:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--sqlite-path", type=Path, help="keep the SQLite corpus here (reused)")
    parser.add_argument("--no-warm-up", action="store_true", help="start without the warm-up")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
