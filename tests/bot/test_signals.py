"""A stop signal always ends `paperbot run`: cleanly through the loop, or, when a bug keeps the
loop from ever reading it, by the watchdog the first signal armed; a second signal at once.

Each case runs `bot.cli_signals.stop_on_signals` in a real child process (the code `serve`
installs), with a coroutine that plays the part: a clean wait, a stop that never finishes, or a
bug that spins without awaiting. The last runs the real `paperbot run`, signalled while it starts.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

from tests.support.cli import REPO_ROOT

OWN_VARIABLES = ("DATABASE_URL", "PAPERBOT_", "SLACK_", "DISCORD_")  # not passed to `paperbot run`

CHILD = textwrap.dedent(
    """
    import asyncio, logging, sys
    from bot.cli_shutdown import end_leftovers, leave, shut_down
    from bot.cli_signals import stop_on_signals
    from bot.delivery.drain import Drain

    async def _nothing() -> None:
        pass

    async def ignores_its_cancel() -> None:  # a library's bug: it takes every cancel back
        while True:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                asyncio.current_task().uncancel()

    async def main(case: str) -> None:
        stop = asyncio.Event()
        stop_on_signals(stop, bound=0.2)
        if case == "stubborn":
            logging.basicConfig(level=logging.WARNING)
            stubborn = asyncio.create_task(ignores_its_cancel(), name="stubborn")
        if case == "locked":  # a job's write waits in the driver's thread for another's lock
            import os, sqlite3, tempfile
            from sqlalchemy import text
            from bot.store.engine import make_engine
            logging.basicConfig(level=logging.WARNING)
            path = os.path.join(tempfile.mkdtemp(), "locked.sqlite3")
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("PRAGMA journal_mode=WAL")  # as paperbot's engine sets it
            holder.execute("CREATE TABLE t (x INTEGER)")
            holder.execute("BEGIN IMMEDIATE")  # held until the process ends
            engine = make_engine(f"sqlite:///{path}")

            async def write() -> None:
                async with engine.begin() as conn:
                    await conn.execute(text("INSERT INTO t VALUES (1)"))

            writing = asyncio.create_task(write(), name="writing")
            await asyncio.sleep(0.5)  # the INSERT is in SQLite's busy wait (30 s)
        print("ready", flush=True)
        if case == "spin":
            while True:  # the bug: this coroutine never awaits, the loop never runs again
                pass
        await stop.wait()
        print("stopping", flush=True)
        if case == "slow":
            await asyncio.sleep(3600)  # a stop that does not finish
        if case in ("stubborn", "locked"):  # as `serve` and `run_command` end
            await shut_down(
                0.2, drain=Drain(), cancel=(), pause=lambda: None, close=(),
                stop_scheduling=_nothing,
            )
            print("stopped", flush=True)
            leave(await end_leftovers(0.2))
            return
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


async def test_a_task_that_ignores_its_cancel_is_named_and_left_not_waited_for() -> None:
    """asyncio.run would wait for it for ever, until the watchdog: the last step of the stop
    names it, says where it is stuck and exits 1 without it."""
    process = await _child("stubborn")
    process.send_signal(signal.SIGTERM)
    status, out, err = await _ended(process)
    assert (status, out) == (1, "stopping\nstopped\n"), err
    assert "stubborn did not end when cancelled" in err and "in ignores_its_cancel" in err
    assert "exiting without 1 tasks that would not end" in err
    assert "Timeout" not in err  # not the watchdog (bound 0.2 s: it would fire at 10.2 s)


async def test_a_write_waiting_for_a_lock_at_the_bound_leaves_only_its_close_and_exits_0() -> None:
    """The job is cancelled at the bound while its statement waits in the driver's thread;
    SQLAlchemy closes the connection in a shielded task that waits for that thread. Nothing of
    ours is left (SQLite rolls the write back when the process ends): exit 0 without it."""
    process = await _child("locked")
    process.send_signal(signal.SIGTERM)
    status, out, err = await _ended(process)
    assert (status, out) == (0, "stopping\nstopped\n"), err
    assert "writing was still running at:" in err  # the job that held the stop is named
    assert "exiting without 1 database connection closes still waiting" in err, err
    assert "Timeout" not in err


async def test_a_sigterm_while_paperbot_run_starts_is_kept_and_stops_it_cleanly(
    tmp_path: Path,
) -> None:
    """The real `paperbot run`, held in its start-up: the test holds the SQLite migration lock,
    as another replica's migration would. A SIGTERM there used to kill it (and as a container's
    PID 1 was dropped by the kernel, so `docker stop` waited for SIGKILL); it is kept, and once
    the start-up is done the process stops through the loop: exit 0, no traceback."""
    database = tmp_path / "paperbot.sqlite3"
    notes = tmp_path / "notes"
    notes.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    env.update(
        DATABASE_URL=f"sqlite:///{database}", PAPERBOT_NOTES_DIR=str(notes),
        PAPERBOT_HTTP="off", PAPERBOT_CONFIG=str(tmp_path / "paperbot.toml"),
        PAPERBOT_LOG_FORMAT="text",
    )  # fmt: skip
    (tmp_path / "paperbot.toml").write_text("", "utf-8")
    with open(f"{database}.migrate-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "-v", cwd=REPO_ROOT, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        async with asyncio.timeout(60):  # logged just before it opens the database
            while b"paperbot " not in (line := await process.stderr.readline()):
                assert line, "paperbot run ended before it opened the database"
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert process.returncode is None  # still waiting for the lock: the signal was kept
        fcntl.flock(lock, fcntl.LOCK_UN)
    began = time.monotonic()
    status, _, err = await _ended(process)
    assert status == 0, err
    assert "Traceback" not in err and "Timeout" not in err, err  # not the watchdog either
    assert time.monotonic() - began < 30  # migrations, then the stop (bound 10 s), not a hang
