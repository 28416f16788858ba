"""What a search that found nothing offers instead, worded once for every platform.

No note has the tag, or no note's authors match the name, asked for: the answer names the
nearest ones notes have, each a search to run (a line to type, or a button). A renderer
passes its own escapes (Slack `&<>`, Discord markdown, terminal markup): tags and names are
user text like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.replies import Near, SearchResultsView, Unknown
from formatters.i18n import Catalogue

__all__ = ["NearOffer", "near_offer"]


@dataclass(frozen=True, slots=True)
class NearOffer:
    """The line ("No note has the tag #rhlf. Nearest tags: #rlhf (3), …") and each offered
    search: its button's label (`#rlhf (3)`) and the query it runs."""

    line: str
    runs: tuple[tuple[str, str], ...] = ()


def near_offer(
    view: SearchResultsView,
    locale: str,
    strings: Catalogue,
    escape: Callable[[str], str],
    label_escape: Callable[[str], str] | None = None,
) -> NearOffer | None:
    """The view's offer, the tag's before the author's (the core sets one); None without.

    `escape` is for the line, `label_escape` for button labels (the line's by default)."""
    labels = label_escape or escape
    for kind, unknown in (("tag", view.unknown_tag), ("author", view.unknown_author)):
        if unknown is not None:
            return _offer(kind, unknown, locale, strings, escape, labels)
    return None


def _offer(
    kind: str,
    unknown: Unknown[Any],
    locale: str,
    strings: Catalogue,
    escape: Callable[[str], str],
    labels: Callable[[str], str],
) -> NearOffer:
    """`search.none_<kind>` naming `search.near_<kind>` of each, or `search.none_<kind>_far`
    with none near; the sentences name the asked value and each near one `{value}`."""
    if not unknown.nearest:
        return NearOffer(strings.t(locale, f"search.none_{kind}_far", value=escape(unknown.value)))

    def near(n: Near, escape: Callable[[str], str]) -> str:
        return strings.t(locale, f"search.near_{kind}", value=escape(n.value), count=n.count)

    said = ", ".join(near(n, escape) for n in unknown.nearest)
    line = strings.t(locale, f"search.none_{kind}", value=escape(unknown.value), nearest=said)
    return NearOffer(line, tuple((near(n, labels), n.query_text) for n in unknown.nearest))
