"""Digests as Slack Block Kit messages within Slack's limits (platforms.md §1.1, §1.2).

`thread` layout: a header message (title, tags, numbered titles), then one thread reply per note.
`inline` layout: the header and every note in channel messages, split as the limits require.
Every message stays ≤50 blocks and ≤11,000 characters of block text, with a `text` fallback.
Each live paper's entry ends with its buttons: Full note, and Follow `#tag …` (a paper with tags;
value: the note key) for the Follow listener (`bot/commands/follow.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.models import Digest, Layout, Note
from bot.payloads import SlackPayload
from bot.replies import Reply
from formatters.entries import (
    Budget,
    HeaderContext,
    days_label,
    filter_key,
    follow_label,
    live_count,
    masked,
    overflow_query,
    tag_summary,
    title_key,
)
from formatters.i18n import Catalogue, catalogue
from formatters.limits import SLACK_LIMITS
from formatters.slack_kit import (
    Block,
    actions,
    block_text_length,
    button,
    context,
    divider,
    header,
    label,
    section,
    slack_entry,
)
from formatters.slack_replies import FOLLOW_ACTION, NOTE_ACTION, render_slack_reply
from formatters.templating import Templates
from formatters.text import split_by_budget, split_text, truncate

__all__ = ["SlackRenderer"]

PLATFORM = "slack"


@dataclass(frozen=True, slots=True)
class SlackRenderer:
    """Pure: digests and command replies to `SlackPayload`s."""

    templates: Templates = field(default_factory=Templates)
    budget: Budget = field(default_factory=Budget)
    strings: Catalogue = field(default_factory=catalogue)

    def render_digest(self, digest: Digest) -> list[SlackPayload]:
        """The messages of a digest, header first; thread replies carry `thread=True`."""
        digest = masked(digest, self._t(digest, "digest.retracted"))
        head = self._header_blocks(digest)
        title = self._title(digest)
        if digest.layout is Layout.INLINE:
            entries = [(self._entry(n, i, digest), n.key) for i, n in enumerate(digest.notes, 1)]
            return self._messages([(head, None), *entries], title, digest, in_thread=False)
        messages = self._messages([(head, None)], title, digest, in_thread=True)
        for number, note in enumerate(digest.notes, 1):
            fallback = f"{number}. {label(note.title)}"
            for message in self._messages(
                [(self._entry(note, number, digest)[1:], note.key)], fallback, digest
            ):
                messages.append(replace(message, thread=True))
        return messages

    def render_merged(self, digest: Digest) -> SlackPayload:
        """A posted part a corrected digest no longer needs: its content is now above."""
        text = self._t(digest, "digest.merged")
        return SlackPayload(text=text, blocks=(context([label(text)]),))

    def render_reply(self, reply: Reply) -> SlackPayload:
        """A command result as one message (the adapter decides ephemeral from `reply`)."""
        return render_slack_reply(reply, templates=self.templates, strings=self.strings)

    def _t(self, digest: Digest, key: str, **params: object) -> str:
        return self.strings.t(digest.locale, key, **params)

    def _title(self, digest: Digest) -> str:
        return self._t(digest, title_key(digest), days=days_label(digest), count=live_count(digest))

    def _head(self, digest: Digest) -> HeaderContext:
        """The header's parts for the footer template, escaped."""
        hint = "digest.inline_hint" if digest.layout is Layout.INLINE else "digest.thread_hint"
        filter_text = label(digest.filter_text.strip())
        query = label(overflow_query(digest))
        return HeaderContext(
            title=self._title(digest),
            days=days_label(digest),
            count=live_count(digest),
            filter=self._t(digest, filter_key(digest), filter=f"`{filter_text}`")
            if filter_text
            else "",
            overflow=self._t(digest, "digest.overflow", count=digest.overflow, query=query)
            if digest.overflow
            else "",
            hint=self._t(digest, hint),
            tags=tuple(label(f"#{tag}") for tag in tag_summary(digest.notes)),
        )

    def _header_blocks(self, digest: Digest) -> list[Block]:
        """Header, tags and filter, the numbered list in ≤3000-character sections, the hint."""
        head = self._head(digest)
        blocks: list[Block] = [header(head.title)]
        if head.tags or head.filter:
            blocks.append(context([" ".join(head.tags), head.filter]))
        lines = [self._list_item(note, i, digest) for i, note in enumerate(digest.notes, 1)]
        text = "\n".join(lines) or self._t(digest, "digest.empty")
        blocks += [section(chunk) for chunk in split_text(text, SLACK_LIMITS.section_text)]
        blocks.append(context([self.templates.render(PLATFORM, "footer", {"h": head})]))
        return blocks

    def _list_item(self, note: Note, number: int, digest: Digest) -> str:
        e = slack_entry(
            note, number, locale=digest.locale, strings=self.strings, budget=self.budget
        )
        return self.templates.render(PLATFORM, "list_item", {"e": e})

    def _entry(self, note: Note, number: int, digest: Digest) -> list[Block]:
        """A divider, the entry text in ≤3000-character sections, and the full-note button."""
        e = slack_entry(
            note, number, locale=digest.locale, strings=self.strings, budget=self.budget
        )
        text = self.templates.render(PLATFORM, "entry", {"e": e})
        blocks = [divider(), *[section(c) for c in split_text(text, SLACK_LIMITS.section_text)]]
        if why := digest.matched_for(note.key):
            blocks.append(context([label(self._t(digest, filter_key(digest), filter=why))]))
        if not note.retracted:
            caption = self._t(digest, "digest.full_note")
            buttons = [button(caption, NOTE_ACTION, f"id:{note.key}")]
            if note.tags and len(note.key) <= SLACK_LIMITS.button_value:
                template = self.strings.t(digest.locale, "digest.follow", tags="{tags}")
                follow = follow_label(template, note.tags, SLACK_LIMITS.button_text, label)
                buttons.append(button(follow, FOLLOW_ACTION, note.key))
            blocks.append(actions(buttons))
        return blocks

    def _messages(
        self,
        groups: list[tuple[list[Block], str | None]],
        fallback: str,
        digest: Digest,
        *,
        in_thread: bool = False,
    ) -> list[SlackPayload]:
        """Block groups (a header, an entry: the note's key) packed into messages of ≤50 blocks
        and ≤11,000 text characters, never splitting a group that fits in one message; each
        message reports the notes whose entry (or a piece of it) it holds.

        In the thread layout a header too long for one message continues in its thread.
        """
        units = [(unit, key) for group, key in groups for unit in _fitting_units(group)]
        packed = split_by_budget(
            units,
            lambda unit: block_text_length(unit[0]),
            budget=SLACK_LIMITS.total_text,
            max_items=SLACK_LIMITS.blocks,
            size=lambda unit: len(unit[0]),
        )
        payloads = []
        for part, unit_group in enumerate(packed, 1):
            text = fallback
            if part > 1:
                continued = self._t(digest, "digest.continued", part=part, parts=len(packed))
                text = f"{fallback} {continued}"
            blocks = tuple(block for unit, _ in unit_group for block in unit)
            notes = tuple(dict.fromkeys(key for _, key in unit_group if key is not None))
            text = truncate(text, SLACK_LIMITS.fallback_text)
            thread = in_thread and part > 1
            payloads.append(SlackPayload(text=text, blocks=blocks, thread=thread, notes=notes))
        return payloads


def _fitting_units(group: list[Block]) -> list[list[Block]]:
    """The group whole when it fits in one message, else one unit per block."""
    fits = len(group) <= SLACK_LIMITS.blocks
    if fits and block_text_length(group) <= SLACK_LIMITS.total_text:
        return [group]
    return [[block] for block in group]
