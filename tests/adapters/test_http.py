"""Health, readiness and metrics over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import aiohttp.web
import pytest

from adapters.http.prometheus import PrometheusMetrics
from adapters.http.server import HttpServer
from bot.delivery.alerts import AdminAlerts
from bot.health import HealthRegistry
from bot.metrics import Gauge, labels
from tests.support.scrape import Scrape


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_endpoints() -> None:
    health, metrics = HealthRegistry(timeout=0.5), PrometheusMetrics()
    state = {"database": True}

    async def database() -> bool:
        return state["database"]

    async def broken() -> bool:
        raise RuntimeError("no scheduler")

    health.add("database", database)
    server = HttpServer(health, metrics)
    port = await server.start("127.0.0.1", 0)
    try:
        assert await _get(port, "/healthz") == (200, "ok\n")
        status, body = await _get(port, "/readyz")
        assert status == 200 and '"database": true' in body
        state["database"] = False
        assert (await _get(port, "/readyz"))[0] == 503
        state["database"] = True
        health.add("scheduler", broken)
        status, body = await _get(port, "/readyz")
        assert status == 503 and '"scheduler": false' in body

        await AdminAlerts(metrics).destination_paused('slack:T1:C"1', "channel_not_found", 3)
        await AdminAlerts(metrics).destination_paused('slack:T1:C"1', "channel_not_found", 3)
        metrics.observe("paperbot_send_seconds", 0.25, platform="slack", action="post")
        status, text = await _get(port, "/metrics")
        assert status == 200
        scraped = Scrape(text)
        assert scraped.kinds["paperbot_destination_paused"] == "counter"
        paused = 'slack:T1:C"1'
        assert scraped.value("paperbot_destination_paused_total", destination=paused) == 2
        where = {"platform": "slack", "action": "post"}
        assert scraped.kinds["paperbot_send_seconds"] == "histogram"
        assert scraped.value("paperbot_send_seconds_bucket", le="0.25", **where) == 1
        assert scraped.value("paperbot_send_seconds_bucket", le="0.1", **where) == 0
        assert scraped.value("paperbot_send_seconds_count", **where) == 1
        assert scraped.value("paperbot_send_seconds_sum", **where) == 0.25
        assert scraped.value("process_resident_memory_bytes") > 0
        assert scraped.has("process_cpu_seconds_total")
        assert scraped.value("process_open_fds") > 0
        assert scraped.names() & {"python_info", "python_gc_collections_total"}
    finally:
        await server.stop()


async def test_a_check_that_hangs_fails_within_its_bound_and_is_named() -> None:
    health = HealthRegistry(timeout=0.2)

    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    async def answers() -> bool:
        return True

    health.add("database", answers)
    health.add("slack", hangs)
    server = HttpServer(health, PrometheusMetrics())
    port = await server.start("127.0.0.1", 0)
    try:
        async with asyncio.timeout(5):  # the bound ended it, not the test's limit
            status, body = await _get(port, "/readyz")
    finally:
        await server.stop()
    assert status == 503
    assert json.loads(body) == {
        "ready": False,
        "failing": ["slack"],
        "checks": {"database": True, "slack": False},
    }


async def test_an_ipv6_address_is_served() -> None:
    """`[::1]:PORT`, as the settings allow."""
    server = HttpServer(HealthRegistry(), PrometheusMetrics())
    port = await server.start("::1", 0)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://[::1]:{port}/healthz") as response,
        ):
            assert (response.status, await response.text()) == (200, "ok\n")
    finally:
        await server.stop()


async def test_a_taken_port_is_an_oserror() -> None:
    first = HttpServer(HealthRegistry(), PrometheusMetrics())
    port = await first.start("127.0.0.1", 0)
    try:
        second = HttpServer(HealthRegistry(), PrometheusMetrics())
        try:
            await second.start("127.0.0.1", port)
        except OSError:
            pass
        else:
            raise AssertionError("two servers bound one port")
    finally:
        await first.stop()


async def test_gauges_are_read_at_each_scrape_and_a_broken_source_costs_only_its_own() -> None:
    gauges_help = {"paperbot_rows": 'rows "stored"\nnow'}
    metrics = PrometheusMetrics(collect_timeout=0.5, gauges_help=gauges_help)
    state = {"rows": 3.0}

    async def rows() -> list[Gauge]:
        return [Gauge("paperbot_rows", state["rows"], labels(table="notes"))]

    async def broken() -> list[Gauge]:
        raise RuntimeError("database down")

    async def hangs() -> list[Gauge]:
        await asyncio.Event().wait()
        return []

    for collector in (broken, rows, hangs):
        metrics.add_collector(collector)
    server = HttpServer(HealthRegistry(), metrics)
    port = await server.start("127.0.0.1", 0)
    try:
        status, text = await _get(port, "/metrics")
        assert status == 200
        assert '# HELP paperbot_rows rows "stored"\\nnow' in text
        assert "# TYPE paperbot_rows gauge" in text
        assert Scrape(text).value("paperbot_rows", table="notes") == 3
        state["rows"] = 4.0
        later = Scrape((await _get(port, "/metrics"))[1])
        assert later.value("paperbot_rows", table="notes") == 4
    finally:
        await server.stop()


async def test_a_count_recorded_while_a_scrape_reads_the_state_waits_for_the_next_scrape() -> None:
    """Counters are read before state: an ingest that commits and counts in between never shows
    `paperbot_notes_ingested_total` ahead of `paperbot_notes` in one scrape."""
    metrics = PrometheusMetrics()
    stored = {"notes": 41.0}
    metrics.add("paperbot_notes_ingested_total", 41, change="added")

    async def notes() -> list[Gauge]:
        seen = stored["notes"]
        stored["notes"] += 1  # an ingest commits and counts while this scrape is reading
        metrics.add("paperbot_notes_ingested_total", 1, change="added")
        return [Gauge("paperbot_notes", seen, labels(state="active"))]

    metrics.add_collector(notes)
    for _ in range(2):
        scrape = Scrape((await metrics.exposition()).decode())
        counted = scrape.value("paperbot_notes_ingested_total", change="added")
        assert counted <= scrape.value("paperbot_notes", state="active")


async def test_platforms_mount_their_routes_beside_health() -> None:
    async def events(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(text="events " + await request.text())

    def mount(app: aiohttp.web.Application) -> None:
        app.router.add_post("/slack/events", events)

    server = HttpServer(HealthRegistry(), PrometheusMetrics(), mounts=[mount])
    port = await server.start("127.0.0.1", 0)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/slack/events", data="x=1") as response,
        ):
            assert (response.status, await response.text()) == (200, "events x=1")
        assert await _get(port, "/healthz") == (200, "ok\n")
    finally:
        await server.stop()


def test_a_metric_not_declared_or_with_other_labels_is_dropped_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = PrometheusMetrics()
    metrics.inc("paperbot_no_such_total")
    metrics.inc("paperbot_no_such_total")
    metrics.inc("paperbot_commands_total", platform="slack")  # its `reply` label is missing
    metrics.observe("paperbot_commands_total", 1.0, platform="slack", reply="tags")  # a counter
    metrics.inc("paperbot_commands_total", platform="slack", reply="tags")
    refused = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(refused) == 2 and "paperbot_no_such_total" in refused[0]
    assert "paperbot_commands_total" in refused[1]
    assert metrics.sample("paperbot_commands_total", platform="slack", reply="tags") == 1


def test_two_registries_in_one_process_count_apart() -> None:
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.inc("paperbot_slack_duplicate_events_total")
    assert first.sample("paperbot_slack_duplicate_events_total") == 1
    assert second.sample("paperbot_slack_duplicate_events_total") == 0
