"""Digests and command results as terminal text: plain for pipes and logs, rich markup for a
colour terminal. Same structure as the chat platforms: a header, then one part per note (shown
indented as the "thread"), or everything in one part for the inline layout. No length limits;
lines wrap at the renderer's `width` (the terminal's, at most 96 cells).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from rich.markup import escape as rich_escape

from bot.models import Digest, Layout, Note
from bot.payloads import ConsolePayload
from bot.replies import (
    ErrorView,
    HelpView,
    MessageView,
    NoteView,
    Reply,
    SearchResultsView,
    SharedNoteView,
    TagListView,
    TagMenuView,
)
from formatters.console_layout import WIDTH, columns, pack, wrap
from formatters.entries import (
    Budget,
    EntryContext,
    days_label,
    entry_context,
    filter_key,
    live_count,
    masked,
    overflow_query,
    tag_summary,
    title_key,
)
from formatters.i18n import Catalogue, catalogue
from formatters.offers import near_offer
from formatters.tag_menu import console_menu
from formatters.templating import Templates
from formatters.text import clean_console

__all__ = ["CONSOLE_BUDGET", "WIDTH", "ConsoleRenderer"]

PLATFORM = "console"
CONSOLE_BUDGET = Budget(title=500, authors=300, commentary=6000, abstract=600)
FULL_BUDGET = Budget(title=2000, authors=2000, commentary=100_000, abstract=100_000)


def _markup(text: str) -> str:
    return rich_escape(clean_console(text))


def _as_typed(text: str) -> str:
    """No escape yet: the line is escaped whole once formatted, as `_t` does."""
    return text


def _plain_style(text: str, _style: str) -> str:
    return text


def _rich_style(text: str, style: str) -> str:
    return f"[{style}]{text}[/]" if text else text


@dataclass(frozen=True, slots=True)
class _Mode:
    """Plain or rich: how values are escaped and styled, and whether text is markup."""

    escape: Callable[[str], str]
    style: Callable[[str, str], str]
    markup: bool


PLAIN = _Mode(clean_console, _plain_style, markup=False)
RICH = _Mode(_markup, _rich_style, markup=True)


@dataclass(frozen=True, slots=True)
class ConsoleRenderer:
    """Pure: digests and command replies to `ConsolePayload`s (plain text and rich markup)."""

    templates: Templates = field(default_factory=Templates)
    budget: Budget = CONSOLE_BUDGET
    strings: Catalogue = field(default_factory=catalogue)
    width: int = WIDTH
    """Cells per line: the terminal's width where known, never more than `WIDTH`."""

    def render_digest(self, digest: Digest) -> list[ConsolePayload]:
        """Header first; in the thread layout each note is its own part with `thread=True`."""
        digest = masked(digest, self.strings.t(digest.locale, "digest.retracted"))
        head = self._both(lambda mode: self._header(digest, mode))
        entries = [self._paper_both(note, n, digest) for n, note in enumerate(digest.notes, 1)]
        keys = tuple(note.key for note in digest.notes)  # the notes whose entry a part holds
        if digest.layout is Layout.INLINE:
            parts = [head, *entries]
            plain, rich = ("\n\n".join(p[i] for p in parts) for i in (0, 1))
            return [ConsolePayload(plain, rich, notes=keys)]
        return [ConsolePayload(*head)] + [
            ConsolePayload(p, r, thread=True, notes=(key,))
            for (p, r), key in zip(entries, keys, strict=True)
        ]

    def render_merged(self, digest: Digest) -> ConsolePayload:
        """A posted part a corrected digest no longer needs: its content is now above."""
        return ConsolePayload(*self._both(lambda m: self._t(digest.locale, "digest.merged", m)))

    def render_reply(self, reply: Reply) -> ConsolePayload:
        """A command result as text; controls become hints (`/paper …` to type next)."""
        return ConsolePayload(*self._both(lambda mode: self._reply(reply, mode)))

    def _paper_both(self, note: Note, number: int, digest: Digest) -> tuple[str, str]:
        """A digest's entry; in a DM digest, under it the subscriptions that brought it."""
        why = digest.matched_for(note.key)

        def render(mode: _Mode) -> str:
            text = self._entry(note, number, digest.locale, mode)
            if not why:
                return text
            line = self._t(digest.locale, filter_key(digest), mode, filter=why)
            return text + "\n" + mode.style(f"   {line}", "yellow")

        return self._both(render)

    def _both(self, render: Callable[[_Mode], str]) -> tuple[str, str]:
        return render(PLAIN), render(RICH)

    def _t(self, locale: str, name: str, mode: _Mode, **params: object) -> str:
        return mode.escape(self.strings.t(locale, name, **params))

    def _ctx(
        self, note: Note, number: int, locale: str, mode: _Mode, budget: Budget
    ) -> EntryContext:
        more = " (" + self.strings.t(locale, "digest.more", key=note.key) + ")"
        return entry_context(
            note,
            number,
            escape=mode.escape,
            escape_label=mode.escape,
            escape_url=mode.escape,
            budget=budget,
            more=mode.escape(more),
        )

    def _wrap(self, mode: _Mode) -> Callable[..., str]:
        return partial(wrap, width=self.width, markup=mode.markup)

    def _render(self, name: str, mode: _Mode, **context: object) -> str:
        return self.templates.render(
            PLATFORM, name, {**context, "style": mode.style, "wrap": self._wrap(mode)}
        )

    def _header(self, digest: Digest, mode: _Mode) -> str:
        key = "digest.inline_hint" if digest.layout is Layout.INLINE else "digest.thread_hint"
        overflow = digest.overflow and self.strings.t(
            digest.locale, "digest.overflow", count=digest.overflow, query=overflow_query(digest)
        )
        filter_label = digest.filter_text.strip() and self.strings.t(
            digest.locale, filter_key(digest), filter=digest.filter_text
        )
        items = [
            self._render("list_item", mode, e=self._ctx(n, i, digest.locale, mode, self.budget))
            for i, n in enumerate(digest.notes, 1)
        ]
        return self._render(
            "header",
            mode,
            title=self._t(
                digest.locale,
                title_key(digest),
                mode,
                days=days_label(digest),
                count=live_count(digest),
            ),
            tags=self._wrap(mode)(
                " ".join(mode.escape(f"#{t}") for t in tag_summary(digest.notes)), ""
            ),
            filter=mode.escape(filter_label or ""),
            items=items,
            hint=self._t(digest.locale, key, mode),
            overflow=mode.escape(overflow or ""),
        )

    def _entry(
        self, note: Note, number: int, locale: str, mode: _Mode, budget: Budget | None = None
    ) -> str:
        e = self._ctx(note, number, locale, mode, budget or self.budget)
        return self._render("entry", mode, e=e)

    def _reply(self, reply: Reply, mode: _Mode) -> str:
        view, locale = reply.view, reply.locale
        if isinstance(view, SearchResultsView):
            text = self._search(view, locale, mode)
        elif isinstance(view, NoteView):
            text = self._entry(view.note, 1, locale, mode, FULL_BUDGET)
        elif isinstance(view, SharedNoteView):
            by = self._t(locale, "search.shared_by", mode, user=view.shared_by)
            text = mode.style(by, "bold") + "\n" + self._entry(view.note, 1, locale, mode)
        elif isinstance(view, TagListView):
            listing = self._tag_listing(view, mode)
            text = self._titled(
                self._t(locale, "tags.title", mode),
                listing or self._t(locale, "tags.empty", mode),
                mode,
            )
        elif isinstance(view, TagMenuView):
            text = console_menu(view, locale, self.strings, mode.escape, mode.style)
        elif isinstance(view, HelpView):
            body = self._t(locale, "help.intro", mode) + "\n" + self._help_lines(view, mode, locale)
            text = self._titled(self._t(locale, "help.title", mode), body, mode)
        elif isinstance(view, MessageView):
            text = mode.escape(self.strings.message(locale, view))
        else:
            text = self._error(view, locale, mode)
        if reply.ephemeral:
            text += "\n" + mode.style(self._t(locale, "search.only_you", mode), "dim")
        return text

    def _titled(self, title: str, body: str, mode: _Mode) -> str:
        return f"{mode.style(title, 'bold')}\n{body}"

    def _tag_listing(self, view: TagListView, mode: _Mode) -> str:
        """`#tag (n)` items packed into lines, never split across two (plain, then escaped)."""
        plain = pack([clean_console(f"#{t} ({n})") for t, n in view.tags], width=self.width)
        return mode.escape(plain) if mode.markup else plain

    def _help_lines(self, view: HelpView, mode: _Mode, locale: str) -> str:
        """Examples in one column, what they do aligned in the next (wrapped under itself)."""
        rows = [
            (
                mode.escape(example),
                mode.escape(self.strings.text(locale, meaning)) if meaning else "",
            )
            for example, meaning in view.lines()
        ]
        lines = columns(
            rows,
            width=self.width - 2,
            markup=mode.markup,
            style_left=lambda cell: mode.style(cell, "cyan"),
        )
        return "\n".join("  " + part for line in lines for part in line.split("\n"))

    def _examples(self, examples: tuple[str, ...], mode: _Mode) -> str:
        return "\n".join(f"  {mode.style(mode.escape(example), 'cyan')}" for example in examples)

    def _error(self, view: ErrorView, locale: str, mode: _Mode) -> str:
        message = self.strings.text(locale, view.message)
        title = mode.style(self._t(locale, "error.title", mode, message=message), "bold red")
        if not view.examples:
            return title
        return (
            f"{title}\n{self._t(locale, 'error.try', mode)}\n{self._examples(view.examples, mode)}"
        )

    def _search(self, view: SearchResultsView, locale: str, mode: _Mode) -> str:
        if not view.notes:
            lines = [self._t(locale, "search.none", mode, query=view.query_text)]
            if (u := view.undated) is not None:
                found = {"dates": u.dates, "count": u.total, "query": u.query_text}
                lines.append(self._t(locale, "search.none_undated", mode, **found))
            if (offer := near_offer(view, locale, self.strings, _as_typed)) is not None:
                lines.append(mode.escape(offer.line))
                tries = tuple(f"/paper {query}" for _, query in offer.runs)
                lines += [self._examples(tries, mode)] if tries else []
            return "\n".join(lines)
        title = self._t(
            locale,
            "search.title",
            mode,
            total=view.total,
            query=view.query_text,
            page=view.page,
            pages=view.pages,
        )
        lines = [mode.style(title, "bold")]
        for offset, note in enumerate(view.notes):
            e = self._ctx(note, view.first_number + offset, locale, mode, self.budget)
            dated = replace(e, tags=(*e.tags, "·", e.day))  # the day wraps with the tags
            lines.append(self._render("list_item", mode, e=dated))
            hint = self._t(locale, "search.hint_share_here", mode, n=e.number)
            lines.append(mode.style(f"    {hint}", "dim"))
        for cursor, name in (
            (view.prev_cursor, "search.hint_prev_here"),
            (view.next_cursor, "search.hint_next_here"),
        ):
            if cursor:  # typed at the prompt: `/paper next` pages the asker's last search
                lines.append(mode.style(self._t(locale, name, mode), "cyan"))
        return "\n".join(lines)
