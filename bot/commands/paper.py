"""PaperCommand: `/paper …` text in, a `Reply` out, the same on every platform.

The first word picks a sub-command (`help`, `tags`); anything else is a search query. Adding a
sub-command (subscribe, channel settings) is one async function registered under its name.
User mistakes come back as an `ErrorView`, never as an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.commands.help import EXAMPLE_QUERIES, help_view
from bot.commands.request import CommandRequest
from bot.errors import QuerySyntaxError
from bot.replies import ErrorView, NoteView, Reply, SearchResultsView, TagListView
from bot.search.models import SearchPage
from bot.search.query import parse_query
from bot.search.service import SearchService

__all__ = ["Handler", "PaperCommand", "results_view"]

log = logging.getLogger(__name__)

Handler = Callable[[CommandRequest, str], Awaitable[Reply]]
"""A sub-command: the request and the text after its name."""


class PaperCommand:
    """Routes `/paper` text to a sub-command, or to search."""

    def __init__(self, search: SearchService, extra: Mapping[str, Handler] | None = None) -> None:
        self._search = search
        self._handlers: dict[str, Handler] = {"help": self._help, "tags": self._tags}
        for name, handler in (extra or {}).items():
            self.register(name, handler)

    def register(self, name: str, handler: Handler) -> None:
        """Add a sub-command; its name is the first word of the command text."""
        if name in self._handlers:
            raise ValueError(f"sub-command {name!r} is already registered")
        self._handlers[name] = handler

    async def handle(self, request: CommandRequest) -> Reply:
        """Answer one request."""
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

    async def _tags(self, request: CommandRequest, _rest: str) -> Reply:
        counts = tuple((t.tag, t.count) for t in await self._search.tags())
        return Reply(TagListView(counts), locale=request.locale)

    async def _query(self, request: CommandRequest, text: str) -> Reply:
        try:
            query = parse_query(text)
        except QuerySyntaxError as exc:
            return _error(request, str(exc))
        if query.is_empty:
            return await self._help(request, "")
        if query.note_id is not None:
            note = await self._search.entry(query.note_id)
            if note is None:
                return _error(request, f"no entry has id {query.note_id}")
            return Reply(NoteView(note), locale=request.locale)
        page = await self._search.search(query)
        return Reply(results_view(page), locale=request.locale)


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


def _error(request: CommandRequest, problem: str) -> Reply:
    return Reply(ErrorView(problem, EXAMPLE_QUERIES), locale=request.locale)
