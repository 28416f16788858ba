"""The process's HTTP server: `/healthz` (the loop runs), `/readyz` (checks pass), `/metrics`,
and the routes chat platforms mount on it (Slack's request URLs)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Sequence

from aiohttp import web

from adapters.http.prometheus import CONTENT_TYPE, PrometheusMetrics
from bot.health import HealthRegistry

__all__ = ["HttpServer"]


class HttpServer:
    """aiohttp on one host and port; port 0 picks a free one (tests)."""

    def __init__(
        self,
        health: HealthRegistry,
        metrics: PrometheusMetrics,
        *,
        mounts: Sequence[Callable[[web.Application], None]] = (),
    ) -> None:
        self._health, self._metrics = health, metrics
        self._mounts = tuple(mounts)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def application(self) -> web.Application:
        """The routes, for a runner or a test client."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_text)
        for mount in self._mounts:
            mount(app)
        return app

    async def start(self, host: str, port: int) -> int:
        """Listen (an IPv6 address when `host` has a colon, `::1`); returns the bound port.
        Raises OSError when the port is taken."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family, reuse_port=False)
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()
        self.port = int(listener.getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        results = await self._health.run()
        status = 200 if all(results.values()) else 503
        failing = sorted(name for name, ok in results.items() if not ok)
        body = json.dumps({"ready": status == 200, "failing": failing, "checks": results})
        return web.Response(status=status, text=body, content_type="application/json")

    async def _metrics_text(self, _request: web.Request) -> web.Response:
        body = await self._metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
