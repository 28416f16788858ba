"""The `paperbot` command line: thin wrappers that build the app and call the core.

Start-up cost is part of the interface: each command imports only what it uses (the imports sit
inside the command functions), and only the chosen command's options are built, so
`paperbot --version` loads no database code and `paperbot search` no web server or scheduler.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.cli_logging import configure_logging, hide_secrets
from bot.errors import ConfigError, PaperbotError

if TYPE_CHECKING:
    from bot.app import App
    from bot.ingest.importer import FileReport, IngestReport

__all__ = ["http_address", "ingest_minutes", "main"]

log = logging.getLogger("paperbot")

_PROGRESS_MIN_FILES = 20
INGEST_MINUTES_RANGE = (0.1, 7 * 24 * 60.0)  # six seconds to a week

_COMMANDS = {  # the order `paperbot --help` lists them in
    "run": "the bot: ingest, digests on schedule, the terminal prompt",
    "ingest": "read notes files into the database",
    "export": "every stored note as JSON Lines",
    "render": "show the messages a day's digest would send",
    "deliveries": "recent digest runs, their status and errors",
    "search": "search the notes with the /paper query grammar",
    "db": "database maintenance",
    "discord": "Discord maintenance: sync the /paper command",
    "config": "check the configuration and print it, secrets hidden",
}


def ingest_minutes(value: str) -> float:
    """`--ingest-every`: a finite number of minutes within `INGEST_MINUTES_RANGE`.

    A zero or negative interval made the scheduler compute fire times forever on the event loop,
    deaf to SIGTERM; bounding it here keeps every accepted value harmless.
    """
    low, high = INGEST_MINUTES_RANGE
    try:
        minutes = float(value) if value.isascii() else math.nan  # float() reads ٣ as 3
    except ValueError:
        minutes = math.nan
    if not (math.isfinite(minutes) and low <= minutes <= high):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of minutes from {low:g} to {high:g}"
        )
    return minutes


def http_address(value: str) -> tuple[str, int] | None:
    """`--http`: `HOST:PORT` (`:PORT` means 127.0.0.1, `[::1]:PORT` for IPv6) with a port from
    0 (any free one) to 65535, or `off` (None)."""
    from bot.settings import http_address as parse

    try:
        return parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command named on the line: the top level has no option that takes a value."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperbot",
        description="ML paper notes, delivered.",
        epilog="Settings come from the environment (DATABASE_URL, PAPERBOT_*, SLACK_*, "
        "DISCORD_*) over config/paperbot.toml (or PAPERBOT_CONFIG); options override both. "
        "`paperbot config check` validates them and prints the result, secrets hidden.",
    )
    parser.add_argument("--version", action="version", version=f"paperbot {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $DATABASE_URL, else sqlite file data/paperbot.sqlite3 "
        "of the checkout or ~/.local/share/paperbot)",
    )
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more: -v state changes, -vv debug"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in _COMMANDS.items():
        if name == chosen:
            _add_command(commands, common, name)
        else:  # listed in --help; its options (and their imports) only when it is chosen
            commands.add_parser(name, help=summary)
    return parser


def _add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    name: str,
) -> None:
    if name == "render":
        from bot.cli_render import add_render_command

        add_render_command(commands, common)
        return
    if name == "config":
        from bot.cli_config import add_config_command

        add_config_command(commands, common)
        return
    if name == "deliveries":
        from bot.delivery.history import add_deliveries_command

        add_deliveries_command(commands, common)
        return
    if name == "discord":
        from bot.cli_discord import add_discord_command

        add_discord_command(commands, common)
        return
    if name == "search":
        from bot.cli_search import add_search_command

        add_search_command(commands, common)
        return
    command = commands.add_parser(name, parents=[common], help=_COMMANDS[name])
    if name == "run":
        _add_run_arguments(command)
    elif name == "ingest":
        command.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
        command.set_defaults(notes_dir=None)
    elif name == "db":
        db_commands = command.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
        db_commands.add_parser("upgrade", parents=[common], help="apply schema migrations")


def _add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The options of `paperbot run`; every value is checked here, before anything starts."""
    run.add_argument(
        "--notes-dir", type=Path, help="the notes folder (default $PAPERBOT_NOTES_DIR, else "
        "[service] notes_dir, else seeds/ of the paperbot home)",
    )  # fmt: skip
    run.add_argument(
        "--config",
        type=Path,
        help="the config file (TOML; must exist; default $PAPERBOT_CONFIG, else "
        "config/paperbot.toml of the paperbot home, read when present)",
    )
    run.add_argument(
        "--ingest-every",
        type=ingest_minutes,
        default=10.0,
        metavar="MINUTES",
        help="re-ingest the notes folder this often (default 10)",
    )
    run.add_argument("--once", action="store_true", help="ingest, show the newest day, exit")
    run.add_argument(
        "--http",
        type=http_address,
        default=argparse.SUPPRESS,
        metavar="HOST:PORT",
        help="/healthz, /readyz, /metrics (default $PAPERBOT_HTTP, else [service] http, else "
        "127.0.0.1:8080; 'off')",
    )
    run.set_defaults(templates_dir=None)


def _settle(args: argparse.Namespace) -> None:
    """Fill the options not given from the settings (environment over the config file).

    `run` and `config check` read and check the whole configuration (every problem at once);
    the other commands read the environment and the file's `[service]` table.

    Raises:
        ConfigProblems: naming each bad variable or key.
    """
    from bot.settings import GLOSSARY_VARIABLE, Settings, load_settings

    # every secret the settings model declares (and, below, the platforms), whatever its name
    hide_secrets(os.environ, Settings.secret_variables(), Settings.url_variables())
    if args.command in ("run", "config"):
        from bot.cli_config import all_variables, load_configuration

        hide_secrets(os.environ, [row[0] for row in all_variables() if row[3]])
        args.configuration = load_configuration(os.environ, args.config)
        settings = args.configuration.settings
    else:
        settings = load_settings(os.environ)[0]
    args.settings = settings
    for name in ("database_url", "notes_dir", "templates_dir"):
        if getattr(args, name, "absent") is None:
            setattr(args, name, getattr(settings, name))
    if args.command == "run" and not hasattr(args, "http"):
        args.http = http_address(settings.http)
    if settings.glossary is not None:  # the one place the glossary is read from (and migrations)
        os.environ[GLOSSARY_VARIABLE] = str(settings.glossary)


def _print_file(report: FileReport) -> None:
    for line in report.lines():
        print(line)


def _print_totals(report: IngestReport) -> None:
    for notice in report.notices:
        print(f"notice  {notice}")
    print(report.totals_line())


async def _ingest(args: argparse.Namespace) -> int:
    from bot.app import open_app

    paths = args.paths or [args.notes_dir]
    if not args.paths and not args.notes_dir.is_dir():
        raise ConfigError(
            f"PAPERBOT_NOTES_DIR: the notes folder {args.notes_dir} does not exist; set "
            "PAPERBOT_NOTES_DIR or name the files or folders to ingest"
        )
    async with open_app(args.database_url) as app:
        return await _ingest_into(app, paths)


async def _ingest_into(app: App, paths: Sequence[Path]) -> int:
    """Ingest and print every file's result and the totals; 1 when any file was skipped."""
    from bot.ingest.importer import collect_note_files, ingest_paths

    files = collect_note_files(paths)
    with _progress(len(files)) as advance:

        def on_file(report: FileReport) -> None:
            advance()
            _print_file(report)

        report = await ingest_paths(paths, app.notes, app.clock, on_file=on_file)
    _print_totals(report)
    return 1 if report.skipped else 0


class _NoProgress:
    def __enter__(self) -> Callable[[], None]:
        return lambda: None

    def __exit__(self, *exc: object) -> None:
        return None


class _RichProgress:
    """A progress bar under the per-file lines, shown only on a terminal and only for many
    files. It is drawn where those lines go (standard output), so that is the stream checked."""

    def __init__(self, total: int) -> None:
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._task = self._progress.add_task("ingesting", total=total)

    def __enter__(self) -> Callable[[], None]:
        self._progress.start()
        return lambda: self._progress.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress(total: int) -> _NoProgress | _RichProgress:
    if total < _PROGRESS_MIN_FILES or not sys.stdout.isatty():
        return _NoProgress()
    return _RichProgress(total)


async def _export(args: argparse.Namespace) -> int:
    from bot.app import open_app

    async with open_app(args.database_url) as app:
        async for note in app.notes.iter_notes():
            sys.stdout.write(json.dumps(note.to_export(), ensure_ascii=False) + "\n")
    return 0


async def _deliveries(args: argparse.Namespace) -> int:
    from bot.app import open_app
    from bot.cli_config import with_terminal_default
    from bot.delivery.config import declared_config
    from bot.delivery.history import list_deliveries
    from bot.settings import load_settings

    declared = with_terminal_default(declared_config(load_settings(os.environ)[2]))
    keys = [d.key for d in declared.destinations]
    async with open_app(args.database_url) as app:
        for line in await list_deliveries(app.engine, args.destination, args.limit, keys):
            print(line)
    return 0


async def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.app import open_app

    async with open_app(args.database_url):
        print("database is at the latest schema")
    return 0


async def _run(args: argparse.Namespace) -> int:
    """The main job: serve at once, ingest in the background, digests and the `/paper` prompt."""
    from bot.cli_run import run_command

    return await run_command(args)


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return await _run(args)
    if args.command == "ingest":
        return await _ingest(args)
    if args.command == "export":
        return await _export(args)
    if args.command == "render":
        from bot.cli_render import render_command

        return await render_command(args)
    if args.command == "deliveries":
        return await _deliveries(args)
    if args.command == "search":
        from bot.cli_search import run_search

        return await run_search(args)
    if args.command == "discord":
        from bot.cli_discord import run_discord

        return await run_discord(args)
    if args.command == "config":
        from bot.cli_config import run_config_check

        return run_config_check(args, os.environ)
    return await _db_upgrade(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `paperbot` console script and `python -m bot`."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(_chosen_command(argv)).parse_args(argv)
    configure_logging(args.verbose)
    serving = args.command == "run" and not args.once
    try:
        if serving:  # a stop signal while it starts is kept for the loop (bot.cli_signals)
            from bot.cli_signals import keep_stop_signals

            keep_stop_signals()
        _settle(args)
        if serving:
            keep_stop_signals(args.configuration.settings.shutdown_timeout)
        return asyncio.run(_dispatch(args))
    except PaperbotError as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"paperbot: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `paperbot export | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return 0
