"""What a search that found nothing offers instead, worded once for every platform.

A renderer passes its own escape (Slack `&<>`, Discord markdown, terminal markup): tags are
user text like any other.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.replies import UnknownTag
from formatters.i18n import Catalogue

__all__ = ["near_tag_label", "unknown_tag_line"]


def unknown_tag_line(
    unknown: UnknownTag, locale: str, strings: Catalogue, escape: Callable[[str], str]
) -> str:
    """ "No note has the tag #rhlf. Nearest tags: #rlhf (3), #rlaif (1)", or, with none near,
    where the tags notes have are listed."""
    if not unknown.nearest:
        return strings.t(locale, "search.none_tag_far", tag=escape(unknown.tag))
    near = ", ".join(
        near_tag_label(n.tag, n.count, locale, strings, escape) for n in unknown.nearest
    )
    return strings.t(locale, "search.none_tag", tag=escape(unknown.tag), tags=near)


def near_tag_label(
    tag: str, count: int, locale: str, strings: Catalogue, escape: Callable[[str], str]
) -> str:
    """One near tag with its count (`#rlhf (3)`): in the line, and on its button."""
    return strings.t(locale, "search.near_tag", tag=escape(tag), count=count)
