"""The server a DM digest's Follow button follows in, carried in its `custom_id`.

Subscriptions are per server, and a click inside a DM does not say which server it belongs to.
So a Follow button posted into a person's DM (destination `discord:<guild>:@<user>`) has
`paper:follow:<note key>:<guild id>`; a channel digest's keeps `paper:follow:<note key>` (the
click says its server), and so do buttons posted before this form existed. A button whose
scoped form would pass Discord's 100-character `custom_id` limit is left out of the DM.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FOLLOW_PREFIX", "follow_state", "scoped_follow_rows"]

FOLLOW_PREFIX = "paper:follow:"
CUSTOM_ID_MAX = 100
_SCOPED = re.compile(r"(?P<key>[^:]+):(?P<guild>\d{1,20})")
"""A note key (day and slug: never a colon) and a guild snowflake."""


def follow_state(state: str) -> tuple[str, str | None]:
    """(note key, the guild it follows in, or None when the click's own server decides)."""
    if found := _SCOPED.fullmatch(state):
        return found["key"], found["guild"]
    return state, None


def _scoped(item: dict[str, Any], guild: str) -> dict[str, Any] | None:
    custom_id = str(item.get("custom_id", ""))
    if not custom_id.startswith(FOLLOW_PREFIX):
        return item
    if follow_state(custom_id.removeprefix(FOLLOW_PREFIX))[1] is not None:
        return item
    scoped = f"{custom_id}:{guild}"
    return {**item, "custom_id": scoped} if len(scoped) <= CUSTOM_ID_MAX else None


def scoped_follow_rows(components: list[dict[str, Any]], guild: str) -> list[dict[str, Any]]:
    """The action rows with every Follow button scoped to `guild` (rows left empty dropped)."""
    rows = []
    for row in components:
        items = [s for i in row.get("components", []) if (s := _scoped(i, guild)) is not None]
        if items:
            rows.append({**row, "components": items})
    return rows
