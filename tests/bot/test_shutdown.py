"""SIGTERM during a digest fan-out to a slow Slack: `paperbot run` exits 0 within its bound, and
the ledger is consistent: every message Slack accepted is recorded sent, and every unfinished run
is handed back (resumable at once)."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import open_app
from bot.cli_shutdown import CANCEL_GRACE, OVERRUN, Deadline, end_leftovers, shut_down
from bot.delivery.drain import Drain
from bot.store.delivery_schema import DeliveryRow, DigestRunRow
from tests.support.cli import run_cli
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_service import (
    ENTRIES,
    TOKEN,
    destination,
    running_bot,
    slack_env,
    wait_for,
)

CHANNELS = [f"C{i}" for i in range(1, 4)]
PARTS = 1 + len(ENTRIES)  # a header and one reply per note, in its thread
BOUND = 4.0


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        api.post_delay = 0.4  # a slow Slack: sends are in flight when SIGTERM comes
        yield api


async def _ledger(database_url: str) -> tuple[list[DigestRunRow], list[DeliveryRow]]:
    async with open_app(database_url) as app, app.engine.connect() as conn:
        runs = (await conn.execute(select(DigestRunRow))).all()
        parts = (await conn.execute(select(DeliveryRow))).all()
    return runs, parts  # type: ignore[return-value]


async def test_sigterm_mid_fan_out_exits_0_in_time_and_hands_the_rest_back(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    config = "".join(destination(c) for c in CHANNELS)
    env = slack_env(api, PAPERBOT_SHUTDOWN_TIMEOUT=str(BOUND))
    async with running_bot(api, tmp_path, database_url, config=config, env=env) as bot:
        await wait_for(lambda: len(api.called("chat.postMessage")) >= len(CHANNELS), 60)
        began = time.monotonic()
        bot.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(BOUND + 10):
            await bot.process.wait()
        took = time.monotonic() - began
        stopped_at = datetime.now(UTC)
        assert bot.process.returncode == 0, bot.logged()[-3000:]
    # the bound, plus OVERRUN for the steps past it (closing each connection, unwinding
    # cancelled jobs, resigning), the engine's close and the shared machine's slowness
    assert took < BOUND + 8, f"{took:.1f} s" + bot.logged()[-4000:]
    posted = {c.answer["ts"] for c in api.called("chat.postMessage") if c.answer.get("ok")}
    assert 0 < len(posted) < len(CHANNELS) * PARTS, "the fan-out was not cut short"

    runs, parts = await _ledger(database_url)
    recorded = {p.message_id for p in parts if p.status == "sent"}
    assert recorded == posted  # nothing sent unrecorded, nothing recorded unsent
    unfinished = [r for r in runs if r.status == "pending"]
    assert unfinished, "no run was cut short"
    for run in unfinished:  # handed back: resumable at once, not after the 2-minute lease
        assert run.owner == "" and run.lease_until <= stopped_at, (run.owner, run.lease_until)
    assert {r.status for r in runs} <= {"pending", "sent", "empty"}
    # the next owner resumes a handed-back run at once, sending only the rest:
    # tests/bot/delivery/test_drain.py


async def test_sigterm_while_a_send_hangs_past_the_bound_still_exits_0_in_time(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    """A job that ignores the bound: its send never returns. At the bound it is cancelled
    (the send was never answered, so nothing is recorded for it) and the process exits 0."""
    config = "".join(destination(c) for c in CHANNELS)
    env = slack_env(api, PAPERBOT_SHUTDOWN_TIMEOUT=str(BOUND))
    gate = asyncio.Event()
    try:
        async with running_bot(api, tmp_path, database_url, config=config, env=env) as bot:
            await wait_for(lambda: len(api.called("chat.postMessage")) >= 1, 60)
            api.post_gate = gate  # from now on Slack takes a message and never answers
            await wait_for(lambda: api.held_posts >= 1, 60)
            began = time.monotonic()
            bot.process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(BOUND + 30):
                await bot.process.wait()
            took = time.monotonic() - began
            assert bot.process.returncode == 0, bot.logged()[-3000:]
            logged = bot.logged()
    finally:
        gate.set()  # the stand-in's held requests end
    assert "still in progress" in logged and "at the shutdown bound: cancelled" in logged
    assert took < BOUND + 8, f"{took:.1f} s" + logged[-4000:]
    posted = {c.answer["ts"] for c in api.called("chat.postMessage") if c.answer.get("ok")}
    runs, parts = await _ledger(database_url)
    assert {p.message_id for p in parts if p.status == "sent"} == posted
    assert any(r.status == "pending" for r in runs)


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "PAPERBOT_SHUTDOWN_TIMEOUT",
            "ten",
            "Input should be a valid number, unable to parse string as a number (got 'ten')",
        ),
        ("PAPERBOT_SHUTDOWN_TIMEOUT", "0", "0 is not a number of seconds from 0.5 to 600"),
        ("PAPERBOT_WATCH_POLLING", "maybe", "Input should be 'auto', '1' or '0' (got 'maybe')"),
    ],
)
async def test_a_bad_shutdown_or_watch_variable_stops_the_start_naming_it(
    tmp_path: Path, variable: str, value: str, said: str
) -> None:
    url = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    result = await run_cli("run", "--http", "off", "--database-url", url, env={variable: value})
    assert result.code == 2 and f"{variable}: {said}" in result.err
    assert not (tmp_path / "never.sqlite3").exists()  # stopped before anything ran


def test_the_steps_past_the_bound_share_one_allowance() -> None:
    """However many connections there are to close, the time past the bound is `OVERRUN` at
    most: each step gets a grace of its own only while the shared allowance lasts."""
    now = [0.0]
    deadline = Deadline(BOUND, lambda: now[0], overrun=OVERRUN)
    assert deadline.step() == BOUND  # the whole bound for the first step
    now[0] = BOUND - 0.25
    assert deadline.step() == CANCEL_GRACE  # near the bound: a grace, longer than what is left
    now[0] = BOUND
    granted = 0.0
    for _ in range(10):  # ten slow closes, each taking all it is given
        step = deadline.step()
        granted += step
        now[0] += step
    assert granted == OVERRUN
    assert deadline.step() == 0.0 and deadline.left() == 0.0


def test_a_close_that_ignores_its_cancel_neither_holds_the_stop_nor_the_exit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A platform library whose close takes its cancel back (the bug that once held
    `paperbot run` in asyncio.run's last wait until the watchdog): the other steps still run
    within the bound and its overrun, and the last step names the task and where it is stuck."""
    log: list[str] = []

    async def scenario() -> list[str]:
        released = asyncio.Event()

        async def stubborn_close() -> None:
            while not released.is_set():
                try:
                    await released.wait()
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    assert task is not None
                    task.uncancel()

        async def close_http() -> None:
            log.append("http closed")

        async def stop_scheduling() -> None:
            log.append("resigned")

        # shut_down runs in the main task, as in `serve`; if the stop is held, this guard
        # releases the close after a while (so the test ends) and says so
        guard = asyncio.get_running_loop().call_later(
            30, lambda: (log.append("held until the guard"), released.set())
        )
        await shut_down(
            0.2,
            drain=Drain(),
            cancel=(),
            pause=lambda: None,
            close=[("slack", stubborn_close), ("the HTTP server", close_http)],
            stop_scheduling=stop_scheduling,
        )
        guard.cancel()
        stuck = await end_leftovers(0.1)
        released.set()
        if stuck:
            await asyncio.wait(stuck)
        return [task.get_name() for task in stuck]

    with caplog.at_level(logging.WARNING, logger="bot"):
        stuck = asyncio.run(scenario())
    assert log == ["http closed", "resigned"]
    assert len(stuck) == 1, stuck
    said = [
        r.getMessage() for r in caplog.records if "did not end when cancelled" in r.getMessage()
    ]
    assert any("in stubborn_close" in line for line in said), said
