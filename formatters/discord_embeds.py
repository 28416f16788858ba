"""Digests as Discord messages of embeds within Discord's limits (platforms.md §2.1, §2.2).

`thread` layout: a header message with one embed (numbered titles, tags) that names the thread to
start from it (`thread_name`), then one message per note in that thread. `inline` layout: header
and note embeds packed into channel messages of ≤10 embeds and ≤6,000 characters. Every payload
carries `allowed_mentions: {"parse": []}`. Each live paper with tags gets a Follow `#tag …`
button (`paper:follow:<note key>`, answered by `adapters/discord/paper.py`) on the message that
shows it (in a person's DM digest too: the Discord transport adds the server to its id).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.models import Digest, Layout, Note
from bot.payloads import DiscordPayload
from bot.replies import Reply
from formatters.discord_kit import (
    BRAND_COLOUR,
    Embed,
    action_rows,
    button,
    colour_for,
    discord_entry,
    embed_length,
    fit_embed,
    link_url,
)
from formatters.discord_kit import field as embed_field
from formatters.discord_replies import render_discord_reply
from formatters.entries import (
    Budget,
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
from formatters.limits import DISCORD_LIMITS
from formatters.templating import Templates
from formatters.text import (
    escape_discord,
    escape_discord_plain,
    split_by_budget,
    split_text,
    truncate,
)

__all__ = ["DISCORD_BUDGET", "DiscordRenderer"]

PLATFORM = "discord"
L = DISCORD_LIMITS
# Keeps one note's embed (title, commentary, abstract, fields, footer) under 6,000 in total.
DISCORD_BUDGET = Budget(title=250, authors=300, commentary=2800, abstract=1000)


@dataclass(frozen=True, slots=True)
class DiscordRenderer:
    """Pure: digests and command replies to `DiscordPayload`s."""

    templates: Templates = field(default_factory=Templates)
    budget: Budget = DISCORD_BUDGET
    strings: Catalogue = field(default_factory=catalogue)

    def render_digest(self, digest: Digest) -> list[DiscordPayload]:
        """The messages of a digest, header first; thread replies carry `thread=True`."""
        digest = masked(digest, self._t(digest, "digest.retracted"))
        head = self._header_embeds(digest)
        entries = [self._entry(note, n, digest) for n, note in enumerate(digest.notes, 1)]
        if digest.layout is Layout.INLINE:
            numbered = [
                *[(embed, None) for embed in head],
                *zip(entries, enumerate(digest.notes, 1), strict=True),
            ]
            return self._messages(numbered, digest, in_thread=False)
        messages = self._messages([(embed, None) for embed in head], digest, in_thread=True)
        name = self._t(digest, "digest.thread_name", days=days_label(digest))
        first = messages[0]
        messages[0] = DiscordPayload(
            content=first.content,
            embeds=first.embeds,
            thread_name=truncate(escape_discord_plain(name), L.thread_name),
        )  # a header's list of titles holds no note's entry
        messages += [
            DiscordPayload(
                embeds=(entry,),
                components=self._follow_rows([(None, note)], digest),
                thread=True,
                notes=(note.key,),
            )
            for entry, note in zip(entries, digest.notes, strict=True)
        ]
        return messages

    def render_merged(self, digest: Digest) -> DiscordPayload:
        """A posted part a corrected digest no longer needs: its content is now above."""
        return DiscordPayload(content=escape_discord_plain(self._t(digest, "digest.merged")))

    def render_reply(self, reply: Reply) -> DiscordPayload:
        """A command result as one message (the adapter decides ephemeral from `reply`)."""
        return render_discord_reply(reply, templates=self.templates, strings=self.strings)

    def _t(self, digest: Digest, name: str, **params: object) -> str:
        return self.strings.t(digest.locale, name, **params)

    def _header_embeds(self, digest: Digest) -> list[Embed]:
        """The numbered list, in as many ≤4096-character descriptions as it needs."""
        title = self._t(
            digest, title_key(digest), days=days_label(digest), count=live_count(digest)
        )
        lines = [self._list_item(note, n, digest) for n, note in enumerate(digest.notes, 1)]
        chunks = split_text("\n".join(lines), 3500) or [self._t(digest, "digest.empty")]
        embeds: list[Embed] = [{"description": c, "color": BRAND_COLOUR} for c in chunks]
        embeds[0]["title"] = truncate(title, L.title)
        embeds[-1]["fields"] = self._header_fields(digest)
        embeds[-1]["footer"] = {"text": self._footer(digest)}
        return [fit_embed(embed) for embed in embeds]

    def _header_fields(self, digest: Digest) -> list[dict[str, object]]:
        tags = " ".join(escape_discord(f"#{tag}") for tag in tag_summary(digest.notes))
        fields = [embed_field(self._t(digest, "digest.tags"), tags)] if tags else []
        if digest.filter_text.strip():
            label = self._t(digest, filter_key(digest), filter="")
            fields.append(embed_field(label.strip(" :"), escape_discord(digest.filter_text)))
        return fields

    def _footer(self, digest: Digest) -> str:
        key = "digest.inline_hint" if digest.layout is Layout.INLINE else "digest.thread_hint"
        overflow = (
            self._t(digest, "digest.overflow", count=digest.overflow, query=overflow_query(digest))
            if digest.overflow
            else ""
        )
        context = {"hint": self._t(digest, key), "overflow": escape_discord_plain(overflow)}
        return truncate(self.templates.render(PLATFORM, "footer", context), L.footer)

    def _list_item(self, note: Note, number: int, digest: Digest) -> str:
        e = discord_entry(
            note, number, locale=digest.locale, strings=self.strings, budget=self.budget
        )
        return self.templates.render(PLATFORM, "list_item", {"e": e})

    def _entry(self, note: Note, number: int, digest: Digest) -> Embed:
        """One note: linked title, commentary, authors/tags/abstract fields, id in the footer."""
        e = discord_entry(
            note, number, locale=digest.locale, strings=self.strings, budget=self.budget
        )
        embed: Embed = {"title": truncate(e.title, L.title), "color": colour_for(note)}
        if url := link_url(note.links[0]) if note.links else "":
            embed["url"] = url
        description = self.templates.render(PLATFORM, "entry", {"e": e})
        if description:
            embed["description"] = truncate(description, L.description)
        fields = [(self._t(digest, "digest.authors"), e.authors, True)]
        fields += [(self._t(digest, "digest.tags"), " ".join(e.tags), True)]
        fields += [(self._t(digest, "digest.abstract"), e.abstract, False)]
        if why := digest.matched_for(note.key):
            fields += [(self._t(digest, filter_key(digest), filter="").strip(" :"), why, False)]
        embed["fields"] = [embed_field(n, v, inline=i) for n, v, i in fields if v]
        footer = f"{e.day} · /paper id:{note.key}"
        embed["footer"] = {"text": truncate(escape_discord_plain(footer), L.footer)}
        return fit_embed(embed)

    def _messages(
        self,
        embeds: list[tuple[Embed, tuple[int, Note] | None]],
        digest: Digest,
        *,
        in_thread: bool,
    ) -> list[DiscordPayload]:
        """Embeds packed into messages of ≤10 embeds and ≤6,000 characters; a message with
        papers (numbered) gets their Follow buttons and reports their notes."""
        groups = split_by_budget(
            embeds, lambda item: embed_length(item[0]), budget=L.total, max_items=L.embeds
        )
        return [
            DiscordPayload(
                embeds=tuple(embed for embed, _ in group),
                components=self._follow_rows([p for _, p in group if p is not None], digest),
                thread=in_thread and i > 0,
                notes=tuple(p[1].key for _, p in group if p is not None),
            )
            for i, group in enumerate(groups)
        ]

    def _follow_rows(
        self, papers: list[tuple[int | None, Note]], digest: Digest
    ) -> tuple[dict[str, object], ...]:
        """Action rows of Follow buttons (`paper:follow:<note key>`), one per live paper with
        tags, numbered in the inline layout (as the entries are). In a person's DM digest the
        transport adds the server to each (a click in a DM does not say it)."""
        template = self._t(digest, "digest.follow", tags="{tags}")
        buttons = []
        for number, note in papers:
            if note.retracted or not note.tags:
                continue
            text = follow_label(template, note.tags, L.button_label - 4, escape_discord_plain)
            made = button(f"{number}. {text}" if number else text, f"paper:follow:{note.key}")
            if made is not None:
                buttons.append(made)
        return tuple(action_rows(buttons))
