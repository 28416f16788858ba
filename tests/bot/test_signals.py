"""A stop signal always ends `paperbot run`: cleanly through the loop, or, when a bug keeps the
loop from ever reading it, by the watchdog the first signal armed; a second signal at once.

Each case runs `bot.cli_signals.stop_on_signals` in a real child process (the code `serve`
installs), with a coroutine that plays the part: a clean wait, a stop that never finishes, or a
bug that spins without awaiting.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap

from tests.support.cli import REPO_ROOT

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from bot.cli_signals import stop_on_signals

    async def main(case: str) -> None:
        stop = asyncio.Event()
        stop_on_signals(stop, bound=0.2)
        print("ready", flush=True)
        if case == "spin":
            while True:  # the bug: this coroutine never awaits, the loop never runs again
                pass
        await stop.wait()
        print("stopping", flush=True)
        if case == "slow":
            await asyncio.sleep(3600)  # a stop that does not finish
        print("stopped", flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


async def _child(case: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, case, cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    async with asyncio.timeout(60):
        assert await process.stdout.readline() == b"ready\n"
    return process


async def _ended(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    """Exit status, stdout and stderr, waiting generously (a loaded machine is slow)."""
    try:
        async with asyncio.timeout(120):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:  # it did not end: leave no spinning child behind
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_signal_stops_through_the_loop_and_exits_cleanly() -> None:
    process = await _child("clean")
    process.send_signal(signal.SIGTERM)
    status, out, err = await _ended(process)
    assert (status, out) == (0, "stopping\nstopped\n"), err
    assert "Timeout" not in err  # the watchdog did not fire


async def test_a_loop_that_never_reads_the_signal_is_ended_by_the_watchdog() -> None:
    process = await _child("spin")
    process.send_signal(signal.SIGTERM)
    status, out, err = await _ended(process)
    assert status == 1
    assert "stopping" not in out  # the loop never ran: the clean path could not have ended it
    assert "Timeout" in err and "in main" in err  # the stack says where it was stuck


async def test_a_second_signal_exits_at_once_during_a_slow_stop() -> None:
    process = await _child("slow")
    process.send_signal(signal.SIGINT)
    assert process.stdout is not None
    async with asyncio.timeout(60):
        assert await process.stdout.readline() == b"stopping\n"
    process.send_signal(signal.SIGINT)
    status, out, err = await _ended(process)
    assert status == 1
    assert "a second stop signal: exiting now" in err
    assert "stopped" not in out and "Timeout" not in err  # not the watchdog: the second signal
