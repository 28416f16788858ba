"""Command results (`/paper …`) as one Slack message: search pages with paging and share buttons,
one note in full, a shared note, tags, help and errors. Button values carry the state the action
handler needs: `paper.page` buttons the cursor, `paper.share` buttons `id:<note key>`, and a
subscription list's `paper.unsubscribe` buttons the command `subscriptions remove <filter>`.

A message's lines are escaped value by value, so a Slack `Markup` value (an alert's `<#C…>`
channel mention) is said as it is, while everything else, another platform's markup included,
is escaped.

A shared note names its sharer in plain text: `<@U…>` would notify them (and `verbatim` does not
stop an explicit mention), and no paperbot message pings anyone.
"""

from __future__ import annotations

from bot.models import Platform
from bot.payloads import SlackPayload
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
from formatters.entries import Budget
from formatters.i18n import Catalogue
from formatters.limits import SLACK_LIMITS
from formatters.offers import near_offer
from formatters.slack_kit import (
    Block,
    actions,
    block_text_length,
    button,
    context,
    header,
    label,
    section,
    slack_entry,
)
from formatters.tag_menu import slack_menu
from formatters.templating import Templates
from formatters.text import split_text, truncate

__all__ = ["FULL_NOTE_BUDGET", "render_slack_reply"]

PLATFORM = "slack"
SHARE_ACTION = "paper.share"
NEXT_ACTION = "paper.page.next"
PREV_ACTION = "paper.page.prev"
NOTE_ACTION = "paper.note"
FOLLOW_ACTION = "paper.follow"
REMOVE_ACTION = "paper.unsubscribe"
MAX_REMOVE = 40  # Remove buttons in one list: with the message and the hint, within 50 blocks
# One note in full: everything, unless it would break the ~11k message budget.
FULL_NOTE_BUDGET = Budget(title=250, authors=600, commentary=4000, abstract=4000)


def render_slack_reply(reply: Reply, *, templates: Templates, strings: Catalogue) -> SlackPayload:
    """The message for `reply`; the adapter sends it ephemeral unless `reply.ephemeral` is False."""
    view = reply.view
    if isinstance(view, SearchResultsView):
        title, blocks = _search(view, reply.locale, templates, strings)
    elif isinstance(view, NoteView):
        title, blocks = _note(view, reply.locale, templates, strings)
    elif isinstance(view, SharedNoteView):
        title, blocks = _shared(view, reply.locale, templates, strings)
    elif isinstance(view, TagListView):
        title, blocks = _tags(view, reply.locale, strings)
    elif isinstance(view, TagMenuView):
        title, blocks = slack_menu(view, reply.locale, strings)
    elif isinstance(view, HelpView):
        title = strings.t(reply.locale, "help.title")
        blocks = _help(title, strings.t(reply.locale, "help.intro"), view, reply.locale, strings)
    elif isinstance(view, MessageView):
        message = strings.message(reply.locale, view, label, Platform.SLACK)  # keeps <#C…>
        title = message.split("\n", 1)[0]
        blocks = [section(c) for c in split_text(message, 2900)]
        blocks += _removable(view.removable, reply.locale, strings)
    else:
        title, blocks = _error(view, reply.locale, strings)
    if reply.ephemeral:
        blocks.append(context([strings.t(reply.locale, "search.only_you")]))
    fallback = truncate(title if title.strip() else "/paper", SLACK_LIMITS.fallback_text)
    return SlackPayload(text=fallback, blocks=tuple(_fit(blocks)))


def _fit(blocks: list[Block]) -> list[Block]:
    """Last guard: cut the longest section until the message is within Slack's text budget."""
    fitted = list(blocks[: SLACK_LIMITS.blocks])
    while (excess := block_text_length(fitted) - SLACK_LIMITS.total_text) > 0:
        sections = [i for i, b in enumerate(fitted) if b["type"] == "section" and "text" in b]
        if not sections:
            break
        longest = max(sections, key=lambda i: len(fitted[i]["text"]["text"]))
        text = fitted[longest]["text"]["text"]
        if len(text) <= 1:
            break
        fitted[longest] = {**fitted[longest], **section(truncate(text, max(1, len(text) - excess)))}
    return fitted


def _removable(filters: tuple[str, ...], locale: str, strings: Catalogue) -> list[Block]:
    """One line per subscription with its Remove button (value: the command it sends), as many
    as fit beside the message (`MAX_REMOVE`); the rest get a hint to type."""
    blocks: list[Block] = []
    for text in filters:
        value = f"subscriptions remove {text}"
        if len(blocks) == MAX_REMOVE or len(value) > SLACK_LIMITS.button_value:
            blocks.append(context([strings.t(locale, "subs.remove_hint")]))
            break
        caption = strings.t(locale, "subs.remove", filter=text)
        blocks.append(
            {**section(f"`{label(text)}`"), "accessory": button(caption, REMOVE_ACTION, value)}
        )
    return blocks


def _search(
    view: SearchResultsView, locale: str, templates: Templates, strings: Catalogue
) -> tuple[str, list[Block]]:
    query = label(view.query_text)
    if not view.notes:
        title = strings.t(locale, "search.none", query=query)
        offers = [*_undated(view, locale, strings), *_near(view, locale, strings)]
        return title, [section(title), *offers]
    title = strings.t(
        locale, "search.title", total=view.total, query=query, page=view.page, pages=view.pages
    )
    blocks: list[Block] = [section(f"*{title}*")]
    first = view.first_number
    for offset, note in enumerate(view.notes):
        e = slack_entry(note, first + offset, locale=locale, strings=strings, budget=Budget())
        line = templates.render(PLATFORM, "list_item", {"e": e}) + f"  ·  {e.day}"
        share = button(
            strings.t(locale, "search.share", n=e.number), SHARE_ACTION, f"id:{note.key}"
        )
        blocks.append({**section(line), "accessory": share})
    paging, hints = _paging(view, locale, strings)
    if paging:
        blocks.append(actions(paging))
    if hints:
        blocks.append(context([hints]))
    return title, blocks


def _undated(view: SearchResultsView, locale: str, strings: Catalogue) -> list[Block]:
    """The line offering the search without its dates, when that finds something, and a
    button that runs it (a page button: it edits this answer)."""
    if (u := view.undated) is None:
        return []
    dates, query = label(u.dates), label(u.query_text)
    line = strings.t(locale, "search.none_undated", dates=dates, count=u.total, query=query)
    blocks = [context([truncate(line, SLACK_LIMITS.context_text)])]
    if len(u.query_text) <= SLACK_LIMITS.button_value:
        run = button(strings.t(locale, "search.undated"), NEXT_ACTION, u.query_text)
        blocks.append(actions([run]))
    return blocks


def _near(view: SearchResultsView, locale: str, strings: Catalogue) -> list[Block]:
    """The line saying no note has the tag (or author) asked for, naming the nearest ones
    notes have, and a button for each that runs the search with it (a page button: it edits
    this answer). One button to an actions block: Slack wants the action ids of a block
    distinct, and each is a `paper.page.next`; a query too long for a button keeps only the
    line."""
    if (offer := near_offer(view, locale, strings, label)) is None:
        return []
    runs = [
        button(caption, NEXT_ACTION, query)
        for caption, query in offer.runs
        if len(query) <= SLACK_LIMITS.button_value
    ]
    return [
        context([truncate(offer.line, SLACK_LIMITS.context_text)]),
        *(actions([r]) for r in runs),
    ]


def _paging(view: SearchResultsView, locale: str, strings: Catalogue) -> tuple[list[Block], str]:
    """Prev/Next buttons carrying the cursor; a cursor too long for a button becomes a hint."""
    buttons, hints = [], []
    for cursor, name, action, hint in (
        (view.prev_cursor, "search.prev", PREV_ACTION, "search.hint_prev"),
        (view.next_cursor, "search.next", NEXT_ACTION, "search.hint_next"),
    ):
        if not cursor:
            continue
        if len(cursor) <= SLACK_LIMITS.button_value:
            buttons.append(button(strings.t(locale, name), action, cursor))
        else:
            hints.append(strings.t(locale, hint, cursor=label(cursor)))
    return buttons, truncate("\n".join(hints), SLACK_LIMITS.context_text)


def _note(
    view: NoteView, locale: str, templates: Templates, strings: Catalogue
) -> tuple[str, list[Block]]:
    note = view.note
    e = slack_entry(note, 1, locale=locale, strings=strings, budget=FULL_NOTE_BUDGET)
    text = templates.render(PLATFORM, "entry", {"e": e})
    blocks = [section(chunk) for chunk in split_text(text, SLACK_LIMITS.section_text)]
    share = button(strings.t(locale, "search.share", n=1), SHARE_ACTION, f"id:{note.key}")
    blocks.append(actions([share]))
    return label(note.title), blocks


def _shared(
    view: SharedNoteView, locale: str, templates: Templates, strings: Catalogue
) -> tuple[str, list[Block]]:
    """The note as a digest shows it, under who shared it (a visible channel message)."""
    by = label(strings.t(locale, "search.shared_by", user=view.shared_by))
    e = slack_entry(view.note, 1, locale=locale, strings=strings, budget=Budget())
    text = templates.render(PLATFORM, "entry", {"e": e})
    blocks = [context([by]), *[section(c) for c in split_text(text, SLACK_LIMITS.section_text)]]
    full = button(strings.t(locale, "digest.full_note"), NOTE_ACTION, f"id:{view.note.key}")
    blocks.append(actions([full]))
    return f"{by}: {label(view.note.title)}", blocks


def _tags(view: TagListView, locale: str, strings: Catalogue) -> tuple[str, list[Block]]:
    title = strings.t(locale, "tags.title")
    if not view.tags:
        return title, [section(strings.t(locale, "tags.empty"))]
    listing = " · ".join(f"{label('#' + tag)} ({count})" for tag, count in view.tags)
    listing = truncate(listing, SLACK_LIMITS.total_text - 1000, suffix=" /paper tags")
    return title, [header(title), *[section(c) for c in split_text(listing, 2900)]]


def _help(title: str, intro: str, view: HelpView, locale: str, strings: Catalogue) -> list[Block]:
    lines = "\n".join(
        f"• `{label(example)}`" + (f"  {label(strings.text(locale, meaning))}" if meaning else "")
        for example, meaning in view.lines()
    )
    return [header(title), *[section(c) for c in split_text(f"{intro}\n{lines}", 2900)]]


def _error(view: ErrorView, locale: str, strings: Catalogue) -> tuple[str, list[Block]]:
    message = strings.text(locale, view.message)
    title = strings.t(locale, "error.title", message=label(message))
    blocks = [section(truncate(title, SLACK_LIMITS.section_text))]
    if view.examples:
        tries = "\n".join(f"• `{label(example)}`" for example in view.examples)
        blocks += [
            section(c) for c in split_text(f"{strings.t(locale, 'error.try')}\n{tries}", 2900)
        ]
    return label(message), blocks
