#!/usr/bin/env python3
"""Bootstrap for a fresh machine: needs only Python 3.11+.

    python3 dev.py run      # the bot's main job on the embedded default (SQLite, seeds/, terminal)
    python3 dev.py test     # the whole test suite (SQLite and PostgreSQL)
    python3 dev.py paperbot ARGS...   # any paperbot command

Creates `.venv/` and installs the project with its test extras on first use, and again whenever
pyproject.toml changes. Everything after the command is passed on.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PAPERBOT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".paperbot-installed"
NO_TESTS_COLLECTED = 5  # pytest's exit code when nothing was selected


def _ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 a fresh machine has
        sys.exit(f"paperbot needs Python 3.11+, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing paperbot and its test tools (first run only) ...", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def _run(args: list[str], cwd: Path | None) -> int:
    """The command's exit code, once it has ended. A Ctrl-C on the terminal reaches the command
    too (one process group) and it stops cleanly by itself, so this keeps waiting for it: left to
    `subprocess.run`, the interrupt would print this script's traceback and kill the command a
    quarter of a second later, in the middle of its clean stop. A SIGTERM sent to this script is
    passed on, so the command does not outlive it."""
    with subprocess.Popen(args, cwd=cwd) as child:
        signal.signal(signal.SIGTERM, lambda _signum, _frame: child.send_signal(signal.SIGTERM))
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue


def _become(args: list[str]) -> int:
    """Replace this script with the command (POSIX), so every signal reaches the bot straight:
    a SIGTERM to the whole process group (`timeout`, `kill -- -PGID`, systemd) would otherwise
    arrive twice, once from the group and once passed on by `_run`, and the bot takes a second
    stop signal for an order to exit at once, skipping its clean stop. Elsewhere, `_run`."""
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(args[0], args)
    return _run(args, None)


def main(argv: list[str]) -> int:
    """Run a development command inside the project's virtual environment."""
    if not argv or argv[0] not in {"run", "test", "paperbot"}:
        print(__doc__)
        return 2
    _ensure_venv()
    command, rest = argv[0], argv[1:]
    python = str(BIN / "python")
    if command == "test":
        args = [python, "-m", "pytest", "-n", os.environ.get("PAPERBOT_TEST_WORKERS", "2"), *rest]
    elif command == "run":
        args = [python, "-m", "bot", "run", *rest]
    else:
        args = [python, "-m", "bot", *rest]
    # pytest reads its settings from the clone; the bot's own defaults never depend on the
    # working directory, so its commands run where they were typed and relative paths given to
    # them (`--notes-dir mynotes`) mean what they mean in that shell
    if command != "test":
        return _become(args)
    code = _run(args, ROOT)
    if code == NO_TESTS_COLLECTED:
        print(
            "dev.py: pytest ran no test (exit 5): check the paths, -k or -m given; "
            "a run that tests nothing is a failure",
            file=sys.stderr,
        )
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
