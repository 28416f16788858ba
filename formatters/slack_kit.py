"""Block Kit building blocks as plain dicts, and the text budget Slack counts (platforms.md §1.1).

Every mrkdwn object is `verbatim: true`: it may carry untrusted text, and verbatim stops Slack from
auto-linking channel names and parsing mentions; our explicit `<url|label>` links still work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.models import Note
from formatters.entries import Budget, EntryContext, entry_context
from formatters.i18n import Catalogue
from formatters.limits import SLACK_LIMITS
from formatters.text import escape_slack, escape_slack_url, truncate

__all__ = [
    "Block",
    "actions",
    "block_text_length",
    "button",
    "context",
    "divider",
    "header",
    "label",
    "mrkdwn",
    "plain",
    "section",
    "slack_entry",
]

Block = dict[str, Any]


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object for escaped text."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str) -> Block:
    """A plain_text object (Slack does no formatting or mention parsing in it)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def header(text: str) -> Block:
    """A header block: plain_text only, ≤150 characters."""
    return {"type": "header", "text": plain(truncate(text, SLACK_LIMITS.header_text))}


def section(text: str) -> Block:
    """A section of ≤3000 characters of escaped mrkdwn (longer text is cut, see split_text)."""
    return {"type": "section", "text": mrkdwn(truncate(text, SLACK_LIMITS.section_text))}


def context(texts: Sequence[str]) -> Block:
    """A context block of up to 10 mrkdwn elements."""
    elements = [mrkdwn(truncate(t, SLACK_LIMITS.context_text)) for t in texts if t]
    return {"type": "context", "elements": elements[: SLACK_LIMITS.context_elements]}


def divider() -> Block:
    """A horizontal rule between entries."""
    return {"type": "divider"}


def button(label: str, action_id: str, value: str, *, primary: bool = False) -> Block:
    """An interactive button; `value` carries the state the action handler needs (≤2000)."""
    block: Block = {
        "type": "button",
        "text": plain(truncate(label, SLACK_LIMITS.button_text)),
        "action_id": action_id[: SLACK_LIMITS.action_id],
        "value": value[: SLACK_LIMITS.button_value],
    }
    if primary:
        block["style"] = "primary"
    return block


def actions(elements: Sequence[Block], block_id: str | None = None) -> Block:
    """An actions block of up to 25 elements."""
    block: Block = {"type": "actions", "elements": list(elements[: SLACK_LIMITS.actions_elements])}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def block_text_length(node: object) -> int:
    """Characters Slack counts toward its ~12k message budget: every `text` string in the tree."""
    if isinstance(node, dict):
        total = 0
        for key, value in node.items():
            total += len(value) if key == "text" and isinstance(value, str) else 0
            total += block_text_length(value) if isinstance(value, dict | list) else 0
        return total
    if isinstance(node, list):
        return sum(block_text_length(item) for item in node)
    return 0


def label(text: str) -> str:
    """Escaped text shown as-is: no auto-linked URLs (titles, authors, link labels)."""
    return escape_slack(text, link_urls=False)


def slack_entry(
    note: Note, number: int, *, locale: str, strings: Catalogue, budget: Budget
) -> EntryContext:
    """A note's template context for Slack; cut parts end with how to read the full text."""
    more = " _(" + strings.t(locale, "digest.more", key=label(note.key)) + ")_"
    return entry_context(
        note,
        number,
        escape=escape_slack,
        escape_label=label,
        escape_url=escape_slack_url,
        budget=budget,
        more=more,
    )
