"""`/readyz` of a running `paperbot run`: ready only while the database answers at the schema
this code ships, the scheduler runs and some replica leads it; not ready while the database is
gone, ready again when it is back, without a restart; a follower whose leader died is not ready
until it (or another replica) takes over."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy
from sqlalchemy.engine import make_url

from bot.scheduling.leader import leader_backend
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


@dataclass
class Service:
    """One running `paperbot run`: its process, HTTP port and log file."""

    process: asyncio.subprocess.Process
    port: int
    log: Path


@asynccontextmanager
async def _service(database_url: str, tmp_path: Path) -> AsyncIterator[Service]:
    """`paperbot run` on `database_url`, health on a free port; SIGTERM and exit 0 after (unless
    the test killed it)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
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
    killed = False
    try:
        async with asyncio.timeout(90):
            while not (
                found := re.search(r"metrics on http://127\.0\.0\.1:(\d+)/", log.read_text())
            ):
                assert process.returncode is None, log.read_text()[-3000:]
                await asyncio.sleep(0.05)  # polling the child's log
        yield Service(process, int(found.group(1)), log)
    finally:
        killed = process.returncode is not None and process.returncode < 0
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            await process.wait()
    assert killed or process.returncode == 0, log.read_text()[-3000:]


async def test_not_ready_while_the_database_is_gone_and_ready_again_after(
    postgres_databases: PostgresDatabases, tmp_path: Path
) -> None:
    async with postgres_databases.fresh() as url:
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        port = await proxy.open()
        through = target.set(port=port, password=PASSWORD).render_as_string(hide_password=False)
        try:
            async with _service(through, tmp_path) as service:
                http = service.port
                ready = await _until_status(http, 200)
                assert ready["checks"] == {"database": True, "migrations": True, "scheduler": True}
                assert ready["failing"] == []

                await proxy.close()
                down = await _until_status(http, 503)
                assert down["ready"] is False
                assert {"database", "migrations"} <= set(down["failing"])

                await proxy.open()
                back = await _until_status(http, 200)
                assert back["failing"] == []
        finally:
            await proxy.close()
        assert PASSWORD not in service.log.read_text()


async def test_not_ready_when_the_schema_is_not_the_one_this_code_ships(
    database_url: str, tmp_path: Path
) -> None:
    async with _service(database_url, tmp_path) as service:
        http = service.port
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


async def _leads(port: int) -> bool:
    """The process's own `paperbot_scheduler_leader` gauge."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        text = await response.text()
    found = re.search(r"^paperbot_scheduler_leader ([0-9.]+)$", text, flags=re.MULTILINE)
    assert found, text[-2000:]
    return float(found.group(1)) == 1.0


async def test_a_follower_is_ready_only_while_a_replica_leads(
    postgres_databases: PostgresDatabases, tmp_path: Path
) -> None:
    """Two replicas on one PostgreSQL database; the leader is SIGKILLed. While its lock is free
    (nobody leads) the follower answers 503; once the follower takes the lock, 200 again."""
    async with (
        postgres_databases.fresh() as url,
        _service(url, tmp_path / "a") as a,
        _service(url, tmp_path / "b") as b,
    ):
        for replica in (a, b):
            assert (await _until_status(replica.port, 200))["checks"]["scheduler"] is True
        async with asyncio.timeout(60):
            while (leading := [r for r in (a, b) if await _leads(r.port)]) == []:  # noqa: ASYNC110
                await asyncio.sleep(0.2)  # polling the children's gauges
        (leader,) = leading
        follower = b if leader is a else a
        status, body = await _readyz(follower.port)
        assert (status, body["checks"]["scheduler"]) == (200, True)
        assert not await _leads(follower.port)

        engine = make_engine(url)
        leaderless = 0  # answers given while, before and after them, nobody held the lock
        try:
            leader.process.kill()  # SIGKILL: no resignation; PostgreSQL frees the lock
            await leader.process.wait()
            async with engine.connect() as watch, asyncio.timeout(90):
                while True:
                    before = await leader_backend(watch)
                    status, body = await _readyz(follower.port)
                    after = await leader_backend(watch)
                    if before is None and after is None:  # only the follower can take it now
                        assert status == 503, body
                        assert body["failing"] == ["scheduler"]
                        leaderless += 1
                    if status == 200 and await _leads(follower.port):
                        break  # promoted
                    await asyncio.sleep(0.1)  # polling the follower's endpoint
        finally:
            await engine.dispose()
        print(f"follower answered 503 {leaderless} times while nobody led, then took over")
        assert (await _readyz(follower.port))[0] == 200
