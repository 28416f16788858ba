"""`paperbot search QUERY [--limit N] [--json]`: the `/paper` grammar on the command line.

Part of the composition root (it opens the app). A query may start with `-` (`-tag:survey`):
words argparse does not know as options are query words, in the order typed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.app import open_app, renderer_for, search_service
from bot.commands.help import EXAMPLE_QUERIES, help_view
from bot.errors import QuerySyntaxError, not_utf8
from bot.models import Note, Platform
from bot.replies import Reply
from bot.search.glossary import load_glossary
from bot.search.indexer import rebuild_search_index, stale_glossary_message
from bot.search.models import SearchPage
from bot.search.query import Query, parse_query

__all__ = ["add_search_command", "run_search"]

MAX_LIMIT = 1000
HELP_LOCALE = "ko"
"""The help an empty query shows, as the chat shows it by default."""


class _SearchParser(argparse.ArgumentParser):
    """Takes unknown single-dash words (`-tag:rlhf`, `-#survey`) as query words, in the order
    typed; unknown `--options` stay errors."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        found, extra = super().parse_known_args(args, namespace)
        words = [e for e in extra if not e.startswith("--")]
        if words:
            found.query = _in_typed_order(list(args or []), list(found.query), words)
        return found, [e for e in extra if e.startswith("--")]


def _in_typed_order(typed: list[str], positional: list[str], words: list[str]) -> list[str]:
    ordered = []
    for arg in typed:
        if words and arg == words[0]:
            ordered.append(words.pop(0))
        elif positional and arg == positional[0]:
            ordered.append(positional.pop(0))
    return ordered + positional + words


def _limit(value: str) -> int:
    if not (value.isascii() and value.isdecimal()) or not 1 <= int(value) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"--limit must be 1 to {MAX_LIMIT}, got {value!r}")
    return int(value)


def add_search_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register `search` on the CLI's sub-command parsers."""
    search = commands.add_parser(
        "search", parents=[common], help="search the notes with the /paper query grammar"
    )
    search.__class__ = _SearchParser  # subparsers build plain parsers; this one reads `-x`
    search.add_argument("query", nargs="*", metavar="QUERY", help='e.g. tag:rlhf or "가중치 평균"')
    search.add_argument(
        "--reindex",
        action="store_true",
        help="rebuild the search index (after editing the glossary)",
    )
    search.add_argument(
        "--limit", type=_limit, default=10, help="results a page, 1 to 1000 (default 10)"
    )
    search.add_argument("--json", action="store_true", help="a JSON array in rank order")
    search.add_argument(
        "--glossary",
        type=Path,
        default=None,
        help="glossary TOML (default: $PAPERBOT_GLOSSARY, else [service] glossary of the config"
        " file, else the shipped glossary)",
    )


async def run_search(args: argparse.Namespace) -> int:
    """Run one query and print the results; a bad query exits 2 with examples, an unknown id or
    a page past the end 1."""
    if args.reindex:
        return await _reindex(args)
    if not args.query:
        sys.stderr.write(f"paperbot: search needs a QUERY, e.g. {EXAMPLE_QUERIES[0]}\n")
        return 2
    typed = " ".join(args.query)
    if (what := not_utf8(typed)) is not None:  # argv bytes that are not UTF-8 (surrogateescape)
        sys.stderr.write(f"paperbot: the query is not valid UTF-8 ({what}); type it in UTF-8\n")
        return 2
    try:
        query = parse_query(typed)
    except QuerySyntaxError as exc:
        sys.stderr.write(f"paperbot: {exc}\ntry: {'   '.join(EXAMPLE_QUERIES)}\n")
        return 2
    if query.is_empty:  # `paperbot search ""`: what `/paper` alone shows in the chat
        help_reply = Reply(help_view(HELP_LOCALE), locale=HELP_LOCALE)
        sys.stdout.write(renderer_for(Platform.CONSOLE).render_reply(help_reply).plain + "\n")
        return 0
    glossary = load_glossary(args.glossary)
    async with open_app(args.database_url, glossary=glossary) as app:
        stale = await stale_glossary_message(app.engine, app.glossary)
        if stale is not None:
            sys.stderr.write(f"paperbot: {stale}\n")
        service = search_service(app)
        if query.note_id is not None:
            return _print_entry(await service.entry(query.note_id), query, args.json)
        page = await service.search(query, page_size=args.limit)
    if page.total and not page.hits:
        sys.stderr.write(f"paperbot: {_past_end(page)}\n")
        return 1
    sys.stdout.write((_as_json(page) if args.json else _as_text(page)) + "\n")
    return 0


def _past_end(page: SearchPage) -> str:
    """What the chat says past the last page: the query as typed and its last page."""
    last = page.query.at_page(page.pages)
    return (
        f"{page.query.text!r} has no page {page.page}: {_count(page.total, 'note')} on"
        f" {_count(page.pages, 'page')} of {page.page_size}; the last: paperbot search '{last}'"
    )


async def _reindex(args: argparse.Namespace) -> int:
    glossary = load_glossary(args.glossary)
    async with open_app(args.database_url, glossary=glossary, warn_stale_index=False) as app:
        count = await rebuild_search_index(app.engine, glossary)
    sys.stdout.write(f"re-indexed {count} notes (glossary version {glossary.index_version})\n")
    return 0


def _record(note: Note, score: int) -> dict[str, Any]:
    return {
        "id": note.key,
        "date": note.day.isoformat(),
        "title": note.title,
        "authors": list(note.authors),
        "tags": list(note.tags),
        "score": score,
    }


def _as_json(page: SearchPage) -> str:
    return json.dumps([_record(h.note, h.score) for h in page.hits], ensure_ascii=False, indent=2)


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def _as_text(page: SearchPage) -> str:
    order = "best first" if page.ranked else "newest first"
    found = _count(page.total, "note")
    lines = [f"{found} for {page.query.text!r}, {order} (page {page.page}/{page.pages})"]
    first = (page.page - 1) * page.page_size + 1
    for number, hit in enumerate(page.hits, start=first):
        note = hit.note
        tags = " ".join(f"#{t}" for t in note.tags)
        lines.append(f"{number:3}. {note.title}")
        lines.append(f"     {note.day.isoformat()}  {tags}  id:{note.key}")
    if page.next_cursor:
        lines.append(f"more: paperbot search '{page.next_cursor}'")
    return "\n".join(lines)


def _print_entry(note: Note | None, query: Query, as_json: bool) -> int:
    if note is None:
        sys.stderr.write(f"paperbot: no entry has id {query.note_id}\n")
        return 1
    if as_json:
        text = json.dumps([{**note.to_export(), "score": 0}], ensure_ascii=False, indent=2)
    else:
        text = _entry_text(note)
    sys.stdout.write(text + "\n")
    return 0


def _entry_text(note: Note) -> str:
    parts = [
        note.title,
        ", ".join(note.authors),
        f"{note.day.isoformat()}  {' '.join('#' + t for t in note.tags)}",
        *note.links,
        note.abstract,
        note.commentary,
        f"id:{note.key}" + ("  (retracted)" if note.retracted else ""),
    ]
    return "\n\n".join(part for part in parts if part)
