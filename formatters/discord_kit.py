"""Discord embed building blocks as plain dicts, and the 6,000-character budget (platforms.md §2.1).

Discord counts title, description, field names and values, footer text and author name, each
stripped, across all embeds of a message; the OpenAPI schema cannot express that, so we do.
"""

from __future__ import annotations

import zlib
from typing import Any

from bot.models import Note
from formatters.entries import Budget, EntryContext, entry_context
from formatters.i18n import Catalogue
from formatters.limits import DISCORD_LIMITS
from formatters.text import escape_discord, escape_discord_url, truncate

__all__ = [
    "BRAND_COLOUR",
    "Embed",
    "action_rows",
    "button",
    "colour_for",
    "discord_entry",
    "embed_length",
    "field",
    "fit_embed",
    "fit_embeds",
    "link_url",
]

Embed = dict[str, Any]
BRAND_COLOUR = 0x5865F2
L = DISCORD_LIMITS


def embed_length(embed: Embed) -> int:
    """What this embed adds to its message's 6,000-character total."""
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']}{f['value']}" for f in embed.get("fields", [])]
    parts.append(embed.get("footer", {}).get("text", ""))
    parts.append(embed.get("author", {}).get("name", ""))
    return sum(len(part.strip()) for part in parts)


def field(name: str, value: str, *, inline: bool = False) -> dict[str, Any]:
    """An embed field: name ≤256, value ≤1024 (both required, so never empty)."""
    return {
        "name": truncate(name.strip(), L.field_name) or "\u200b",
        "value": truncate(value.strip(), L.field_value) or "\u200b",
        "inline": inline,
    }


def fit_embed(embed: Embed, total: int = L.total) -> Embed:
    """Shorten the description so the embed alone stays within `total` characters."""
    excess = embed_length(embed) - total
    if excess <= 0 or not embed.get("description"):
        return embed
    description = embed["description"]
    return {**embed, "description": truncate(description, max(1, len(description) - excess))}


def fit_embeds(embeds: list[Embed], total: int = L.total) -> list[Embed]:
    """Shorten the longest descriptions until all embeds together stay within `total`."""
    fitted = list(embeds)
    while (excess := sum(embed_length(e) for e in fitted) - total) > 0:
        described = [i for i, e in enumerate(fitted) if e.get("description")]
        if not described:
            break
        longest = max(described, key=lambda i: len(fitted[i]["description"]))
        text = fitted[longest]["description"]
        if len(text) <= 1:
            break
        shorter = truncate(text, max(1, len(text) - excess))
        fitted[longest] = {**fitted[longest], "description": shorter}
    return fitted


def colour_for(note: Note) -> int:
    """A stable colour per first tag, so one topic always looks the same."""
    if not note.tags:
        return BRAND_COLOUR
    return zlib.crc32(note.tags[0].encode("utf-8")) & 0xFFFFFF


def link_url(url: str) -> str:
    """An http(s) URL usable as an embed `url` (≤2048), else nothing."""
    escaped = escape_discord_url(url)
    return escaped if url.startswith(("http://", "https://")) and len(escaped) <= L.url else ""


def button(label: str, custom_id: str, *, style: int = 2) -> dict[str, Any] | None:
    """A button whose `custom_id` (1–100) carries its state; None when the state does not fit."""
    if not 0 < len(custom_id) <= L.custom_id:
        return None
    return {
        "type": 2,
        "style": style,
        "label": truncate(label, L.button_label),
        "custom_id": custom_id,
    }


def action_rows(buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Buttons in action rows of 5, at most 5 rows (Discord's limits); the rest left out."""
    per_row = L.buttons_per_row
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return [{"type": 1, "components": row} for row in rows[: L.action_rows]]


def discord_entry(
    note: Note, number: int, *, locale: str, strings: Catalogue, budget: Budget
) -> EntryContext:
    """A note's template context for Discord; cut parts end with how to read the full text."""
    more = " (" + strings.t(locale, "digest.more", key=note.key) + ")"
    return entry_context(
        note,
        number,
        escape=escape_discord,
        escape_label=escape_discord,
        escape_url=escape_discord_url,
        budget=budget,
        more=escape_discord(more),
    )
