"""PaperCommand: `/paper …` text in, a `Reply` out, the same on every platform.

The first word picks a sub-command (`help`, `tags`, `next`, `prev`, `share`); anything else is
a search query. Adding a sub-command (subscribe, channel settings) is one async function
registered under its name. User mistakes come back as an `ErrorView`, never as an exception.
`next`/`prev` page through the asker's last search in that channel: buttons carry their page
in the query text (`tag:rl page:2`), but a person at a terminal types, and `next` is shorter.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from bot.commands.help import example_queries, help_view
from bot.commands.request import CommandRequest
from bot.errors import QuerySyntaxError, non_ascii_digit
from bot.log_context import request_scope
from bot.metrics import NullMetrics
from bot.ports import Metrics
from bot.replies import (
    ErrorView,
    MessageView,
    Near,
    NearAuthor,
    NearTag,
    NoteView,
    Reply,
    SearchResultsView,
    SharedNoteView,
    TagListView,
    Text,
    Undated,
    UnknownAuthor,
    UnknownTag,
    msg,
    reply_kind,
)
from bot.search.models import SearchPage
from bot.search.query import Query, parse_query
from bot.search.service import SearchService
from bot.search.text import full_width_digits

__all__ = ["Handler", "PaperCommand", "results_view"]

log = logging.getLogger(__name__)

Handler = Callable[[CommandRequest, str], Awaitable[Reply]]
"""A sub-command: the request and the text after its name."""

_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone UTF-16 surrogate: JSON may carry one (`"\\ud800"`), no text encoding can."""

_Near = TypeVar("_Near", bound=Near)

REMEMBERED_SEARCHES = 1000
"""Askers whose last search `next`/`prev` can page (least recently used forgotten first)."""


@dataclass(frozen=True, slots=True)
class _LastSearch:
    query: Query
    pages: int
    shown: tuple[tuple[int, str], ...] = ()
    """(list number, note key) of the hits on that page: `share 2` names the second."""


class PaperCommand:
    """Routes `/paper` text to a sub-command, or to search; every answer is counted and timed
    (`paperbot_commands_total`, `paperbot_command_seconds`) and logged under a request id."""

    def __init__(
        self,
        search: SearchService,
        extra: Mapping[str, Handler] | None = None,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self._search = search
        self._metrics: Metrics = metrics or NullMetrics()
        self._last: OrderedDict[tuple[str, str, str, str], _LastSearch] = OrderedDict()
        self._handlers: dict[str, Handler] = {
            "help": self._help,
            "tags": self._tags,
            "next": self._next,
            "prev": self._prev,
            "share": self._share,
        }
        for name, handler in (extra or {}).items():
            self.register(name, handler)

    async def warm_up(self) -> None:
        """Read once what a search reads (`SearchService.warm_up`), before commands come."""
        await self._search.warm_up()

    def register(self, name: str, handler: Handler) -> None:
        """Add a sub-command; its name is the first word of the command text."""
        if name in self._handlers:
            raise ValueError(f"sub-command {name!r} is already registered")
        self._handlers[name] = handler

    async def handle(self, request: CommandRequest) -> Reply:
        """Answer one request."""
        with request_scope():
            started, kind = time.perf_counter(), "exception"
            try:
                reply = await self._answer(request)
                kind = reply_kind(reply)
                return reply
            finally:
                where = {"platform": request.platform.value, "reply": kind}
                self._metrics.inc("paperbot_commands_total", **where)
                elapsed = time.perf_counter() - started
                self._metrics.observe("paperbot_command_seconds", elapsed, **where)

    async def _answer(self, request: CommandRequest) -> Reply:
        if "\x00" in request.text:  # nothing a person means, and PostgreSQL text cannot hold it
            return _error(request, msg("error.nul_character"))
        if (lone := _SURROGATE.search(request.text)) is not None:  # UTF-8 cannot encode it
            return _error(request, msg("error.lone_surrogate", code=f"U+{ord(lone[0]):04X}"))
        name, _, rest = request.text.strip().partition(" ")
        handler = self._handlers.get(name.lower())
        log.debug(
            "paper %s on %s:%s:%s by %s",
            name or "help",
            request.platform,
            request.workspace,
            request.channel,
            request.user,
        )
        if handler is not None:
            return await handler(request, rest.strip())
        return await self._query(request, request.text)

    async def _help(self, request: CommandRequest, _rest: str) -> Reply:
        return Reply(help_view(request.locale), locale=request.locale)

    async def _tags(self, request: CommandRequest, rest: str) -> Reply:
        word, _, more = rest.partition(" ")
        action = self._handlers.get(f"tags {word.lower()}") if word else None
        if action is not None:  # `tags menu`: a registered action on the tags
            return await action(request, more.strip())
        counts = tuple((t.tag, t.count) for t in await self._search.tags())
        return Reply(TagListView(counts), locale=request.locale)

    async def _query(self, request: CommandRequest, typed: str) -> Reply:
        try:
            query = parse_query(typed)
        except QuerySyntaxError as exc:
            return _error(request, msg(f"query.{exc.code}", **exc.params))
        if query.is_empty:
            return await self._help(request, "")
        if query.note_id is not None:
            note = await self._search.entry(query.note_id)
            if note is None:
                return _error(request, msg("search.no_id", id=query.note_id))
            return Reply(NoteView(note), locale=request.locale)
        return await self._page(request, query)

    async def _page(self, request: CommandRequest, query: Query) -> Reply:
        """One page of a search; a page past the end says so, naming the query as typed."""
        started = time.perf_counter()
        page = await self._search.search(query)
        self._metrics.observe("paperbot_search_seconds", time.perf_counter() - started)
        if page.total and not page.hits:
            past = msg(
                "search.past_end",
                query=query.text,
                page=query.page,
                pages=_counted("search.pages", page.pages),
                notes=_counted("search.notes", page.total),
                last=query.at_page(page.pages),
            )
            self._remember(request, _LastSearch(parse_query(query.at_page(page.pages)), page.pages))
            return _error(request, past)
        view = results_view(page)
        if not page.total:
            view = await self._offer(view, query)
        shown = tuple((view.first_number + i, n.key) for i, n in enumerate(view.notes))
        self._remember(request, _LastSearch(query, page.pages, shown))
        return Reply(view, locale=request.locale)

    async def _offer(self, view: SearchResultsView, query: Query) -> SearchResultsView:
        """What a search that found nothing offers, the first that applies: the tags near a
        tag no note has, the authors near an author no note has (dropping dates cannot find
        either, so the undated search is not run), else the search without its dates."""
        if (unknown := await self._unknown_tag(query)) is not None:
            return replace(view, unknown_tag=unknown)
        if (author := await self._unknown_author(query)) is not None:
            return replace(view, unknown_author=author)
        return replace(view, undated=await self._undated(query))

    async def _undated(self, query: Query) -> Undated | None:
        """What the search finds without its date filters, when that is something: a team
        asking `가중치 평균 since:2024-06` learns the paper exists, only from before June."""
        undated = query.without_dates()
        if undated is None:
            return None
        dates, rest = undated
        total = (await self._search.search(parse_query(rest))).total
        return Undated(dates, rest, total) if total else None

    async def _unknown_tag(self, query: Query) -> UnknownTag | None:
        """The tag no note has that makes the search find nothing, and the search with each
        of the nearest tags notes have in its place: `tag:rhlf` is offered `tag:rlhf`."""
        if (missing := await self._search.missing_tag(query)) is None:
            return None
        found = ((t.tag, t.count) for t in missing.nearest)
        return UnknownTag(missing.tag, _runs(NearTag, found, partial(query.with_tag, missing.tag)))

    async def _unknown_author(self, query: Query) -> UnknownAuthor | None:
        """The `author:` filter no note's authors match that makes the search find nothing,
        and the search with each of the nearest authors notes have in its place:
        `author:behbahnai` is offered `author:"Feryal Behbahani"`."""
        if (missing := await self._search.missing_author(query)) is None:
            return None
        found = ((a.name, a.count) for a in missing.nearest)
        runs = _runs(NearAuthor, found, partial(query.with_author, missing.author))
        return UnknownAuthor(query.typed_author(missing.author), runs)

    def _remember(self, request: CommandRequest, last: _LastSearch) -> None:
        self._last[request.asker] = last
        self._last.move_to_end(request.asker)
        while len(self._last) > REMEMBERED_SEARCHES:
            self._last.popitem(last=False)

    async def _next(self, request: CommandRequest, _rest: str) -> Reply:
        return await self._turn(request, +1)

    async def _prev(self, request: CommandRequest, _rest: str) -> Reply:
        return await self._turn(request, -1)

    async def _turn(self, request: CommandRequest, step: int) -> Reply:
        """The page after (or before) the asker's last one in this channel."""
        last = self._last.get(request.asker)
        if last is None:
            return _error(request, msg("search.nothing_to_page"), ("tag:rlhf", "next"))
        query, wanted = last.query, last.query.page + step
        base = query.at_page(1)
        if wanted > last.pages:
            return _say(request, msg("search.last_page", query=base, pages=last.pages))
        if wanted < 1:
            return _say(request, msg("search.first_page", query=base))
        return await self._page(request, parse_query(query.at_page(wanted)))

    async def _share(self, request: CommandRequest, rest: str) -> Reply:
        """Post one note to the channel, visibly, saying who shared it."""
        last = self._last.get(request.asker)
        number = full_width_digits(rest.strip())
        if number.isdecimal() and (char := non_ascii_digit(number)) is not None:
            digit = unicodedata.decimal(char)
            problem = msg("search.share_not_ascii", value=rest.strip(), char=char, digit=digit)
            return _error(request, problem, ("share 2",))
        key = _share_key(number if number.isdecimal() else rest, dict(last.shown) if last else {})
        if key is None:
            return _error(request, msg("search.share_usage"), ("share id:2024-02-29-llama-3",))
        note = await self._search.entry(key)
        if note is None:
            return _error(request, msg("search.no_id", id=key))
        shared = SharedNoteView(note, request.user_name or request.user)
        return Reply(shared, ephemeral=False, locale=request.locale)


def _share_key(rest: str, shown: Mapping[int, str]) -> str | None:
    """The note id in `id:<id>`, a bare `<id>`, or the number (ASCII digits, full-width ones
    already read) of a hit of the asker's last search page (`share 2`); None when that is not
    what was typed."""
    words = rest.split()
    if len(words) != 1:
        return None
    word = words[0]
    if word.isascii() and word.isdecimal():  # not isdigit: int() cannot read `²`
        number = word.lstrip("0")  # compared as text: int() refuses 4,301 digits and more
        return next((key for n, key in shown.items() if str(n) == number), None)
    if word.lower().startswith("id:"):
        word = word[3:]
    return word if word and ":" not in word else None


def results_view(page: SearchPage) -> SearchResultsView:
    """A search page as the renderers see it: notes in rank order, total and page cursors."""
    return SearchResultsView(
        query_text=page.query.at_page(1),
        notes=tuple(hit.note for hit in page.hits),
        total=page.total,
        page=page.page,
        page_size=page.page_size,
        next_cursor=page.next_cursor,
        prev_cursor=page.prev_cursor,
    )


def _error(
    request: CommandRequest, problem: Text, examples: tuple[str, ...] | None = None
) -> Reply:
    tries = example_queries(request.locale) if examples is None else examples
    return Reply(ErrorView(problem, tries), locale=request.locale)


def _say(request: CommandRequest, line: Text) -> Reply:
    return Reply(MessageView(lines=(line,)), locale=request.locale)


def _counted(key: str, count: int) -> Text:
    """`count` things in the reader's language: `key_one` for exactly one (English "1 page")."""
    return msg(f"{key}_one" if count == 1 else key, n=count)


def _runs(
    kind: type[_Near], found: Iterable[tuple[str, int]], swap: Callable[[str], str | None]
) -> tuple[_Near, ...]:
    """Each value found near (a tag, a name) with its count and the query asked with it in
    the other's place (`swap`); one the query cannot be written with is left out."""
    return tuple(kind(v, count, text) for v, count in found if (text := swap(v)) is not None)
