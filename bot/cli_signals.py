"""SIGTERM and SIGINT for `paperbot run`: a clean stop through the event loop, and a last word
for when the loop cannot answer.

The clean stop goes through `loop.add_signal_handler`: the loop reads the signal and sets the
`stop` event, and `bot.cli_shutdown` stops within its bound. A bug that keeps the loop busy (a
coroutine that never awaits) would make that path deaf: the signal waits for a loop that never
reads it again. So the first signal also arms `faulthandler`'s watchdog, a C thread that needs
neither the loop nor the GIL: when the process has not exited `hard_limit(bound)` seconds later,
it prints every thread's stack (where the process was stuck) to stderr and exits with status 1.
A second signal exits at once with status 1, as a second Ctrl-C does in most services.
A signal that comes while `paperbot run` is still starting (importing, migrating, waiting for
another replica's migration), before the loop can take it, is kept (`keep_stop_signals`): the
start-up finishes, then the process stops as cleanly and as fast as after any other first signal.
Without it that signal killed the process on a desktop, and in a container, where paperbot is
PID 1 and the kernel drops a signal that has no handler, was lost: `docker stop` waited for its
SIGKILL (exit 137).
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

__all__ = ["STOP_SIGNALS", "hard_limit", "keep_stop_signals", "stop_on_signals"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
DEFAULT_BOUND = 10.0  # PAPERBOT_SHUTDOWN_TIMEOUT's default, until the settings are read


def hard_limit(bound: float) -> float:
    """Seconds from the first signal to the forced exit: the clean stop's bound, then as long
    again (at least 10 s) for a database or platform that is slow to close, so that a slow but
    clean stop is never cut (Docker's SIGKILL comes 10 s after its SIGTERM anyway)."""
    return bound + max(10.0, bound)


class _StopSignals:
    """The process's stop signals (one instance: signal handlers are the process's): the first
    arms the watchdog, the second exits at once."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.bound = DEFAULT_BOUND

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        # Runs in the main thread between bytecodes: no locks, no logging, only os.write.
        self.received.append(signum)
        if len(self.received) == 1:
            faulthandler.dump_traceback_later(hard_limit(self.bound), exit=True, file=sys.stderr)
            return
        os.write(2, b"paperbot: a second stop signal: exiting now\n")
        os._exit(1)

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            with contextlib.suppress(ValueError):  # not the main thread: nothing installed
                signal.signal(signum, self)


_SIGNALS = _StopSignals()


def keep_stop_signals(bound: float = DEFAULT_BOUND) -> None:
    """From the first moment of `paperbot run`: keep a stop signal for `stop_on_signals` (which
    stops at once when one came), arming the watchdog for `bound`; called again once the
    settings are read, with the configured bound."""
    _SIGNALS.bound = bound
    _SIGNALS.install()


def stop_on_signals(stop: asyncio.Event, bound: float) -> None:
    """Set `stop` on SIGTERM or SIGINT (through the running loop), arm the watchdog on the
    first, and exit at once on the second; set it now when one came before (`keep_stop_signals`).
    Where the loop cannot take signals (not the main thread, Windows), nothing is installed."""
    loop = asyncio.get_running_loop()
    _SIGNALS.bound = bound
    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            # The loop's wake-up pipe still carries the signal to `stop.set`: it is written by
            # the interpreter's C handler whatever Python handler is installed.
            signal.signal(signum, _SIGNALS)
    if _SIGNALS.received:  # it came while the process was starting
        stop.set()
