"""The `paperbot` command line: thin wrappers that build the app and call the core."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.app import App, open_app
from bot.cli_render import add_render_command, render_command
from bot.cli_run import add_run_arguments, run_command
from bot.delivery.history import add_deliveries_command, list_deliveries
from bot.errors import PaperbotError
from bot.ingest.importer import FileReport, IngestReport, collect_note_files, ingest_paths
from bot.search.cli_commands import add_search_command, run_search
from bot.settings import Settings

__all__ = ["main"]

log = logging.getLogger("paperbot")

_PROGRESS_MIN_FILES = 20


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paperbot", description="ML paper notes, delivered.")
    parser.add_argument("--version", action="version", version=f"paperbot {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        default=settings.database_url,
        help="SQLAlchemy URL (default: $DATABASE_URL, else sqlite file ./data/paperbot.sqlite3)",
    )
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more: -v state changes, -vv debug"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", parents=[common], help="the bot: ingest, digests on schedule, the terminal prompt"
    )
    run.add_argument("--notes-dir", type=Path, default=settings.notes_dir)
    run.set_defaults(templates_dir=settings.templates_dir)
    add_run_arguments(run, settings.config_path)

    ingest = commands.add_parser(
        "ingest", parents=[common], help="read notes files into the database"
    )
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    ingest.set_defaults(default_paths=[settings.notes_dir])

    commands.add_parser("export", parents=[common], help="every stored note as JSON Lines")
    add_render_command(commands, common, settings)
    add_deliveries_command(commands, common)
    add_search_command(commands, common)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("upgrade", parents=[common], help="apply schema migrations")
    return parser


def _print_file(report: FileReport) -> None:
    for line in report.lines():
        print(line)


def _print_totals(report: IngestReport) -> None:
    for notice in report.notices:
        print(f"notice  {notice}")
    print(report.totals_line())


async def _ingest(args: argparse.Namespace, paths: Sequence[Path]) -> int:
    async with open_app(args.database_url) as app:
        return await _ingest_into(app, paths, quiet=False)


async def _ingest_into(app: App, paths: Sequence[Path], *, quiet: bool) -> int:
    """Ingest and report; quiet prints only skipped files and warnings. 1 when any was skipped."""
    files = collect_note_files(paths)
    missing = [p for p in paths if not p.exists()]
    with _progress(len(files), quiet) as advance:

        def on_file(report: FileReport) -> None:
            advance()
            if not quiet or report.skipped or report.warnings:
                _print_file(report)

        report = await ingest_paths(paths, app.notes, app.clock, on_file=on_file)
    for path in missing:
        print(f"SKIPPED {path}: no such file or folder")
    if not quiet:
        _print_totals(report)
    return 1 if report.skipped or missing else 0


class _NoProgress:
    def __enter__(self) -> Callable[[], None]:
        return lambda: None

    def __exit__(self, *exc: object) -> None:
        return None


class _RichProgress:
    """A progress bar on stderr, shown only on a terminal and only for many files."""

    def __init__(self, total: int) -> None:
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._task = self._progress.add_task("ingesting", total=total)

    def __enter__(self) -> Callable[[], None]:
        self._progress.start()
        return lambda: self._progress.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress(total: int, quiet: bool) -> _NoProgress | _RichProgress:
    if quiet or total < _PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return _NoProgress()
    return _RichProgress(total)


async def _export(args: argparse.Namespace) -> int:
    async with open_app(args.database_url) as app:
        async for note in app.notes.iter_notes():
            sys.stdout.write(json.dumps(note.to_export(), ensure_ascii=False) + "\n")
    return 0


async def _deliveries(args: argparse.Namespace) -> int:
    async with open_app(args.database_url) as app:
        for line in await list_deliveries(app.engine, args.destination, args.limit):
            print(line)
    return 0


async def _db_upgrade(args: argparse.Namespace) -> int:
    async with open_app(args.database_url):
        print("database is at the latest schema")
    return 0


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return await run_command(args)
    if args.command == "ingest":
        return await _ingest(args, args.paths or args.default_paths)
    if args.command == "export":
        return await _export(args)
    if args.command == "render":
        return await render_command(args)
    if args.command == "deliveries":
        return await _deliveries(args)
    if args.command == "search":
        return await run_search(args)
    return await _db_upgrade(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `paperbot` console script and `python -m bot`."""
    settings = Settings.from_env()
    args = _parser(settings).parse_args(argv)
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_dispatch(args))
    except PaperbotError as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `paperbot export | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return 0
