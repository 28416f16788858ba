"""Retry-After and error classes, through the real publisher, pacer and ledger in virtual time."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.delivery.policy import as_delivery_error
from bot.delivery.runner import RunOutcome
from bot.errors import DeliveryError
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire, wire_with
from tests.support.transport import RecordingTransport
from tests.support.virtual_time import VirtualTime

D1 = date(2024, 9, 19)


async def test_retry_after_is_waited_exactly_as_asked_by_every_channel_of_the_workspace(
    app: App, clock: FixedClock
) -> None:
    """A 429 in T1 (Retry-After 7.5 s) and one in T2 (3 s): each workspace waits its own."""
    await put_day(app, D1, [note(D1, "a")])
    transport = RecordingTransport(clock=clock)
    time = VirtualTime(clock)
    metrics = PrometheusMetrics()
    delivery = wire_with(app, transport, clock, time, metrics=metrics)
    settings = {
        "A": dest("A"),
        "B": dest("B"),
        "X": dest("X", workspace="T2"),
        "Y": dest("Y", workspace="T2"),
    }
    transport.fail_next("console:T1:A", "429:7.5")
    transport.fail_next("console:T2:X", "429:3")
    start = clock.now()

    def run(name: str) -> asyncio.Task[object]:
        return asyncio.create_task(delivery.runner.run(settings[name], "slot:1"), name=name)

    first = [run("A"), run("X")]  # each is answered 429 and holds its workspace
    for task in first:
        await time.until_asleep(task)
    later = [run("B"), run("Y")]  # other channels of those workspaces, during the holds
    for task in later:
        await time.until_asleep(task)
    await time.drive([*first, *later])

    assert [t.result() for t in (*first, *later)] == [RunOutcome.SENT] * 4
    headers = {s.destination.rsplit(":", 1)[1]: s.at for s in transport.sent if s.thread is None}
    assert headers == {
        "A": start + timedelta(seconds=7.5),
        "B": start + timedelta(seconds=7.5),
        "X": start + timedelta(seconds=3),
        "Y": start + timedelta(seconds=3),
    }
    # the hold, then one second of channel pacing before the thread reply
    assert time.waits == {"A": [7.5, 1.0], "B": [7.5, 1.0], "X": [3.0, 1.0], "Y": [3.0, 1.0]}
    console = {"platform": "console"}
    assert metrics.sample("paperbot_send_retries_total", **console) == 2
    assert metrics.sample("paperbot_retry_after_seconds_count", **console) == 2
    assert metrics.sample("paperbot_retry_after_seconds_sum", **console) == 10.5
    assert metrics.sample("paperbot_digest_runs_total", outcome="sent", **console) == 4


def test_only_timeouts_connection_errors_and_platform_answers_are_delivery_failures() -> None:
    assert as_delivery_error(PermissionError(13, "Permission denied")) is None
    assert as_delivery_error(FileNotFoundError(2, "No such file", "/tmp/x")) is None
    assert as_delivery_error(OSError(28, "No space left on device")) is None
    assert as_delivery_error(ValueError("bug")) is None
    for exc in (
        TimeoutError("read timed out"),
        asyncio.TimeoutError(),  # noqa: UP041 - what asyncio.wait_for raises, by its own name
        ConnectionResetError("reset"),
        ConnectionRefusedError("refused"),
        BrokenPipeError("pipe"),
    ):
        error = as_delivery_error(exc)
        assert error is not None and error.retryable, exc
    answered = DeliveryError("HTTP 503", retryable=True)
    assert as_delivery_error(answered) is answered


async def test_a_local_os_error_is_not_retried_as_a_platform_timeout(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, D1, [note(D1, "a")])
    transport = RecordingTransport()
    transport.fail_next("console:T1:C1", "permission")
    delivery, sleep = wire(app, transport, clock)
    with pytest.raises(PermissionError):
        await delivery.runner.run(dest(), "slot:1")
    assert transport.failures["permission"] == 1 and sleep.waits == []
    (run,) = await delivery.ledger.recent_runs()
    assert run.status == "failed" and run.error.startswith("internal error: PermissionError")
    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.SENT  # its notes came back
