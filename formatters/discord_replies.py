"""Command results (`/paper …`) as one Discord message of embeds and buttons.

Buttons carry their state in `custom_id` (≤100): `paper:page:<cursor>` for paging and
`paper:share:<note key>` for sharing, `paper:unsub:<filter>` for a subscription list's Remove
buttons. State that does not fit gets a text hint instead.
A shared note names its sharer in plain text, escaped like any user text (no `<@id>`), and,
like every payload, carries `allowed_mentions: {"parse": []}`: sharing notifies no one.
"""

from __future__ import annotations

from typing import Any

from bot.models import Note, Platform
from bot.payloads import DiscordPayload
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
from formatters.discord_kit import (
    BRAND_COLOUR,
    Embed,
    action_rows,
    button,
    colour_for,
    discord_entry,
    field,
    fit_embed,
    fit_embeds,
    link_url,
)
from formatters.entries import Budget
from formatters.i18n import Catalogue
from formatters.limits import DISCORD_LIMITS
from formatters.offers import near_offer
from formatters.tag_menu import discord_menu
from formatters.templating import Templates
from formatters.text import escape_discord, escape_discord_plain, truncate

__all__ = ["render_discord_reply"]

PLATFORM = "discord"
L = DISCORD_LIMITS
FULL_NOTE_BUDGET = Budget(title=250, authors=300, commentary=2200, abstract=2400)
PRIMARY, SECONDARY = 1, 2


def render_discord_reply(
    reply: Reply, *, templates: Templates, strings: Catalogue
) -> DiscordPayload:
    """The message for `reply`; the adapter sends it ephemeral unless `reply.ephemeral` is False."""
    view, locale = reply.view, reply.locale
    components: list[dict[str, Any]] = []
    content = ""
    if isinstance(view, SearchResultsView):
        embeds, components = _search(view, locale, templates, strings)
    elif isinstance(view, NoteView):
        embeds = _note(view.note, locale, templates, strings)
    elif isinstance(view, SharedNoteView):
        content = _shared_by(view, locale, strings)
        embeds = _note(view.note, locale, templates, strings)
    elif isinstance(view, TagListView):
        listing = " · ".join(f"{escape_discord('#' + t)} ({n})" for t, n in view.tags)
        embeds = [
            _simple(strings.t(locale, "tags.title"), listing or strings.t(locale, "tags.empty"))
        ]
    elif isinstance(view, TagMenuView):
        embeds = [discord_menu(view, locale, strings)]
    elif isinstance(view, HelpView):
        body = strings.t(locale, "help.intro") + "\n" + _help_lines(view, locale, strings)
        embeds = [_simple(strings.t(locale, "help.title"), body)]
    elif isinstance(view, MessageView):
        message = strings.message(locale, view, escape_discord, Platform.DISCORD)
        embed: Embed = {"description": truncate(message, 4000), "color": BRAND_COLOUR}
        components, hint = _removable(view.removable, locale, strings)
        if hint:
            embed["footer"] = {"text": truncate(escape_discord_plain(hint), L.footer)}
        embeds = [embed]
    else:
        embeds = [_error(view, locale, strings)]
    return DiscordPayload(
        content=content, embeds=tuple(fit_embeds(embeds)), components=tuple(components)
    )


def _shared_by(view: SharedNoteView, locale: str, strings: Catalogue) -> str:
    """`📌 Shared by Ana`: the name as text, so it reads as a name and pings no one."""
    who = escape_discord(view.shared_by)
    return truncate(strings.t(locale, "search.shared_by", user=who), L.content)


def _simple(title: str, description: str) -> Embed:
    return {
        "title": truncate(title, L.title),
        "description": truncate(description, 4000),
        "color": BRAND_COLOUR,
    }


def _help_lines(view: HelpView, locale: str, strings: Catalogue) -> str:
    return "\n".join(
        f"• `{escape_discord_plain(e).replace('`', 'ʼ')}`"
        + (f"  {escape_discord_plain(strings.text(locale, m))}" if m else "")
        for e, m in view.lines()
    )


def _examples(examples: tuple[str, ...]) -> str:
    return "\n".join(f"• `{escape_discord_plain(e).replace('`', 'ʼ')}`" for e in examples)


def _error(view: ErrorView, locale: str, strings: Catalogue) -> Embed:
    message = strings.text(locale, view.message, escape_discord, Platform.DISCORD)
    title = strings.t(locale, "error.title", message=message)
    body = strings.t(locale, "error.try") + "\n" + _examples(view.examples) if view.examples else ""
    embed = _simple(title, body) if body else {"description": truncate(title, 4000)}
    return {**embed, "color": 0xED4245}


def _removable(
    filters: tuple[str, ...], locale: str, strings: Catalogue
) -> tuple[list[dict[str, Any]], str]:
    """Rows of Remove buttons (`paper:unsub:<filter>`), one per subscription, as many as
    Discord allows (5 rows of 5); the hint to type for the rest (or a filter too long)."""
    made = [button(strings.t(locale, "subs.remove", filter=f), f"paper:unsub:{f}") for f in filters]
    buttons = [b for b in made if b is not None][: L.buttons_per_row * L.action_rows]
    hint = strings.t(locale, "subs.remove_hint") if len(buttons) < len(filters) else ""
    return action_rows(buttons), hint


def _search(
    view: SearchResultsView, locale: str, templates: Templates, strings: Catalogue
) -> tuple[list[Embed], list[dict[str, Any]]]:
    query = escape_discord(view.query_text)
    if not view.notes:
        return _nothing_found(view, locale, strings)
    title = strings.t(
        locale, "search.title", total=view.total, query=query, page=view.page, pages=view.pages
    )
    first = view.first_number
    lines, shares, hints = [], [], []
    for offset, note in enumerate(view.notes):
        e = discord_entry(note, first + offset, locale=locale, strings=strings, budget=Budget())
        lines.append(templates.render(PLATFORM, "list_item", {"e": e}) + f" · {e.day}")
        share = button(strings.t(locale, "search.share", n=e.number), f"paper:share:{note.key}")
        if share is None:
            hints.append(strings.t(locale, "search.hint_share", key=note.key))
        else:
            shares.append(share)
    paging, paging_hints = _paging(view, locale, strings)
    embed = _simple(title, "\n".join(lines))
    if footer := "\n".join(paging_hints + hints):
        embed["footer"] = {"text": truncate(escape_discord_plain(footer), L.footer)}
    rows = [
        {"type": 1, "components": group} for group in (paging, shares[: L.buttons_per_row]) if group
    ]
    return [fit_embed(embed)], rows


def _nothing_found(
    view: SearchResultsView, locale: str, strings: Catalogue
) -> tuple[list[Embed], list[dict[str, Any]]]:
    """ "No notes match", and what the search finds without its dates with a button that
    runs it (a page button: it edits this answer), when that finds something; or, when no
    note has a tag (or an author) the search filters by, which ones notes have near it, a
    page button for each (custom ids differ: each carries its own query; one too long is
    left out)."""
    none = strings.t(locale, "search.none", query=escape_discord(view.query_text))
    if (
        offer := near_offer(view, locale, strings, escape_discord, escape_discord_plain)
    ) is not None:
        made = (button(c, f"paper:page:{q}", style=PRIMARY) for c, q in offer.runs)
        return [_simple(none, offer.line)], action_rows([b for b in made if b is not None])
    if (u := view.undated) is None:
        return [_simple(none, "")], []
    dates, query = escape_discord(u.dates), escape_discord(u.query_text)
    line = strings.t(locale, "search.none_undated", dates=dates, count=u.total, query=query)
    run = button(strings.t(locale, "search.undated"), f"paper:page:{u.query_text}", style=PRIMARY)
    return [_simple(none, line)], action_rows([run]) if run else []


def _paging(
    view: SearchResultsView, locale: str, strings: Catalogue
) -> tuple[list[dict[str, Any]], list[str]]:
    buttons, hints = [], []
    for cursor, label, hint in (
        (view.prev_cursor, "search.prev", "search.hint_prev"),
        (view.next_cursor, "search.next", "search.hint_next"),
    ):
        if not cursor:
            continue
        made = button(strings.t(locale, label), f"paper:page:{cursor}", style=PRIMARY)
        if made is None:
            hints.append(strings.t(locale, hint, cursor=cursor))
        else:
            buttons.append(made)
    return buttons, hints


def _note(note: Note, locale: str, templates: Templates, strings: Catalogue) -> list[Embed]:
    """The note in full: commentary in one embed, the abstract in a second (≤6,000 in total)."""
    e = discord_entry(note, 1, locale=locale, strings=strings, budget=FULL_NOTE_BUDGET)
    embed: Embed = {"title": truncate(e.title, L.title), "color": colour_for(note)}
    if url := link_url(note.links[0]) if note.links else "":
        embed["url"] = url
    if description := templates.render(PLATFORM, "entry", {"e": e}):
        embed["description"] = truncate(description, 2600)
    fields = [
        (strings.t(locale, "digest.authors"), e.authors),
        (strings.t(locale, "digest.tags"), " ".join(e.tags)),
    ]
    embed["fields"] = [
        field(name, truncate(value, 500), inline=True) for name, value in fields if value
    ]
    embed["footer"] = {"text": truncate(escape_discord_plain(f"{e.day} · id:{note.key}"), 200)}
    embeds = [embed]
    if e.abstract:
        embeds.append({"title": strings.t(locale, "digest.abstract"), "description": e.abstract})
    return embeds
