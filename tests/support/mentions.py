"""Whether rendered text could still ping anyone, per platform."""

from __future__ import annotations

import re

_SLACK_MENTION = re.compile(r"<[!@#]|(?<![\w\u200b])@(here|channel|everyone)\b", re.IGNORECASE)
# Discord mentions: @everyone/@here, <@id>, <@!id>, <@&id>, <#id>, </command:id>.
_DISCORD_MENTION = re.compile(r"(?<!\u200b)@(everyone|here)\b|<(@[!&]?|#|/)\d", re.IGNORECASE)


def slack_mentions(text: str) -> list[str]:
    """Live Slack mention syntax found in `text` (empty when safe)."""
    return [m.group() for m in _SLACK_MENTION.finditer(text)]


def discord_mentions(text: str) -> list[str]:
    """Live Discord mention syntax found in `text` (empty when safe)."""
    return [m.group() for m in _DISCORD_MENTION.finditer(text)]
