"""SIGTERM and SIGINT for `paperbot run`: a clean stop through the event loop, and a last word
for when the loop cannot answer.

The clean stop goes through `loop.add_signal_handler`: the loop reads the signal and sets the
`stop` event, and `bot.cli_shutdown` stops within its bound. A bug that keeps the loop busy (a
coroutine that never awaits) would make that path deaf: the signal waits for a loop that never
reads it again. So the first signal also arms `faulthandler`'s watchdog, a C thread that needs
neither the loop nor the GIL: when the process has not exited `hard_limit(bound)` seconds later,
it prints every thread's stack (where the process was stuck) to stderr and exits with status 1.
A second signal exits at once with status 1, as a second Ctrl-C does in most services.
Exiting without cleaning up is safe for the data: the ledger survives it as it survives a crash
(a run cut mid-send is resumed by the next process).
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import os
import signal
import sys
from types import FrameType

__all__ = ["STOP_SIGNALS", "hard_limit", "stop_on_signals"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def hard_limit(bound: float) -> float:
    """Seconds from the first signal to the forced exit: the clean stop's bound, then as long
    again (at least 10 s) for a database or platform that is slow to close, so that a slow but
    clean stop is never cut (Docker's SIGKILL comes 10 s after its SIGTERM anyway)."""
    return bound + max(10.0, bound)


def stop_on_signals(stop: asyncio.Event, bound: float) -> None:
    """Set `stop` on SIGTERM or SIGINT (through the running loop), arm the watchdog on the
    first, and exit at once on the second. Where the loop cannot take signals (not the main
    thread, Windows), nothing is installed."""
    loop = asyncio.get_running_loop()
    received: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # Runs in the main thread between bytecodes: no locks, no logging, only os.write.
        received.append(signum)
        if len(received) == 1:
            faulthandler.dump_traceback_later(hard_limit(bound), exit=True, file=sys.stderr)
            return
        os.write(2, b"paperbot: a second stop signal: exiting now\n")
        os._exit(1)

    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            # The loop's wake-up pipe still carries the signal to `stop.set`: it is written by
            # the interpreter's C handler whatever Python handler is installed.
            signal.signal(signum, on_signal)
