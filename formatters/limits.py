"""Each platform's message limits as data, in one place (numbers from platforms.md §1.1, §2.1).

Limits are inclusive character counts unless the name says otherwise. Where the platform's real
limit is undocumented or fuzzy (Slack's ~12k total), the number here is the safe budget we keep.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DISCORD_LIMITS", "SLACK_LIMITS", "DiscordLimits", "SlackLimits"]


@dataclass(frozen=True, slots=True)
class SlackLimits:
    """Block Kit budgets for one chat.postMessage."""

    blocks: int = 50
    section_text: int = 3000
    field_text: int = 2000
    fields: int = 10
    header_text: int = 150
    context_elements: int = 10
    context_text: int = 3000
    actions_elements: int = 25
    button_text: int = 75
    button_value: int = 2000
    action_id: int = 255
    # Slack rejects ~13.2k characters of block text even under the per-block limits (bolt-js #2509).
    total_text: int = 11_000
    fallback_text: int = 4000


@dataclass(frozen=True, slots=True)
class DiscordLimits:
    """Message and embed budgets for one message create (bots)."""

    content: int = 2000
    embeds: int = 10
    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    author: int = 256
    # Sum of titles, descriptions, field names/values, footers and authors over all embeds.
    total: int = 6000
    url: int = 2048
    button_label: int = 80
    custom_id: int = 100
    button_url: int = 512
    buttons_per_row: int = 5
    action_rows: int = 5
    thread_name: int = 100


SLACK_LIMITS = SlackLimits()
DISCORD_LIMITS = DiscordLimits()
