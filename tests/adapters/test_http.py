"""Health, readiness and metrics over real HTTP on loopback."""

from __future__ import annotations

import asyncio

import aiohttp
import aiohttp.web

from adapters.http.server import HttpServer
from bot.delivery.alerts import AdminAlerts
from bot.health import HealthRegistry
from bot.metrics import Gauge, MetricsRegistry, labels


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_endpoints() -> None:
    health, metrics = HealthRegistry(timeout=0.5), MetricsRegistry()
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
        metrics.observe("paperbot_post_seconds", 0.25, platform="slack")
        status, text = await _get(port, "/metrics")
        assert status == 200
        assert "# TYPE paperbot_destination_paused_total counter" in text
        assert 'paperbot_destination_paused_total{destination="slack:T1:C\\"1"} 2' in text
        assert 'paperbot_post_seconds_count{platform="slack"} 1' in text
        assert 'paperbot_post_seconds_sum{platform="slack"} 0.25' in text
    finally:
        await server.stop()


async def test_a_taken_port_is_an_oserror() -> None:
    first = HttpServer(HealthRegistry(), MetricsRegistry())
    port = await first.start("127.0.0.1", 0)
    try:
        second = HttpServer(HealthRegistry(), MetricsRegistry())
        try:
            await second.start("127.0.0.1", port)
        except OSError:
            pass
        else:
            raise AssertionError("two servers bound one port")
    finally:
        await first.stop()


async def test_gauges_are_read_at_each_scrape_and_a_broken_source_costs_only_its_own() -> None:
    metrics, state = MetricsRegistry(collect_timeout=0.5), {"rows": 3.0}
    metrics.describe("paperbot_rows", 'rows "stored"\nnow')

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
        assert 'paperbot_rows{table="notes"} 3' in text
        state["rows"] = 4.0
        assert 'paperbot_rows{table="notes"} 4' in (await _get(port, "/metrics"))[1]
    finally:
        await server.stop()


async def test_platforms_mount_their_routes_beside_health() -> None:
    async def events(request: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(text="events " + await request.text())

    def mount(app: aiohttp.web.Application) -> None:
        app.router.add_post("/slack/events", events)

    server = HttpServer(HealthRegistry(), MetricsRegistry(), mounts=[mount])
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
