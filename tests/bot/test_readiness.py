"""`/readyz` of a running `paperbot run`: ready only while the database answers at the schema
this code ships and the scheduler runs; not ready while the database is gone, ready again when
it is back, without a restart."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy
from sqlalchemy.engine import make_url

from bot.store.engine import make_engine
from tests.support.cli import REPO_ROOT
from tests.support.databases import PostgresDatabases
from tests.support.tcp_proxy import TcpProxy

PASSWORD = "readyz-pw-Secret9"  # the server trusts local connections: a value to look for


async def _readyz(port: int) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/readyz") as response,
    ):
        return response.status, json.loads(await response.text())


async def _until_status(port: int, status: int, limit: float = 60) -> dict[str, Any]:
    """Poll `/readyz` until it answers `status`; its body then."""
    async with asyncio.timeout(limit):
        while True:
            got, body = await _readyz(port)
            if got == status:
                return body
            await asyncio.sleep(0.2)  # polling the child process's endpoint


@asynccontextmanager
async def _service(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    """`paperbot run` on `database_url`, health on a free port; SIGTERM and exit 0 after."""
    notes = tmp_path / "notes"
    notes.mkdir()
    log = tmp_path / "bot.log"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = database_url
    with open(log, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--notes-dir", str(notes),
            "--http", "127.0.0.1:0", "-v",
            cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        async with asyncio.timeout(90):
            while not (
                found := re.search(r"metrics on http://127\.0\.0\.1:(\d+)/", log.read_text())
            ):
                assert process.returncode is None, log.read_text()[-3000:]
                await asyncio.sleep(0.05)  # polling the child's log
        yield int(found.group(1)), log
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]


async def test_not_ready_while_the_database_is_gone_and_ready_again_after(
    postgres_databases: PostgresDatabases, tmp_path: Path
) -> None:
    async with postgres_databases.fresh() as url:
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        port = await proxy.open()
        through = target.set(port=port, password=PASSWORD).render_as_string(hide_password=False)
        try:
            async with _service(through, tmp_path) as (http, log):
                ready = await _until_status(http, 200)
                assert ready["checks"] == {"database": True, "migrations": True, "scheduler": True}
                assert ready["failing"] == []

                await proxy.close()
                down = await _until_status(http, 503)
                assert down["ready"] is False
                assert {"database", "migrations"} <= set(down["failing"])
                assert down["checks"]["scheduler"] is True

                await proxy.open()
                back = await _until_status(http, 200)
                assert back["failing"] == []
        finally:
            await proxy.close()
        assert PASSWORD not in log.read_text()


async def test_not_ready_when_the_schema_is_not_the_one_this_code_ships(
    database_url: str, tmp_path: Path
) -> None:
    async with _service(database_url, tmp_path) as (http, _log):
        await _until_status(http, 200)
        engine = make_engine(database_url)
        try:
            async with engine.begin() as conn:  # as a newer replica's migration would leave it
                await conn.execute(sqlalchemy.text("INSERT INTO alembic_version VALUES ('9999')"))
            body = await _until_status(http, 503)
            assert body["failing"] == ["migrations"]
            async with engine.begin() as conn:
                await conn.execute(
                    sqlalchemy.text("DELETE FROM alembic_version WHERE version_num = '9999'")
                )
            await _until_status(http, 200)
        finally:
            await engine.dispose()
