"""The tag menu (`TagMenuView`) on each platform, as pure functions of the view.

One line per number (`1️⃣  #rlhf`), under a title and above how to use it; no counts, so the
message changes only when the numbers' tags do (that is when the bot edits it). Tags are user
text and escaped like any: Slack `&<>`, Discord markdown and mentions, terminal markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.replies import TagMenuView
from formatters.discord_kit import BRAND_COLOUR
from formatters.i18n import Catalogue
from formatters.limits import DISCORD_LIMITS
from formatters.slack_kit import Block, context, header, label, section
from formatters.text import escape_discord, truncate

__all__ = ["console_menu", "discord_menu", "slack_menu"]


def _lines(view: TagMenuView, escape: Callable[[str], str]) -> list[str]:
    return [f"{emoji}  {escape('#' + tag)}" for emoji, tag in view.items]


def slack_menu(view: TagMenuView, locale: str, strings: Catalogue) -> tuple[str, list[Block]]:
    """The fallback text and Block Kit blocks."""
    title = strings.t(locale, "menu.title")
    body = "\n".join(_lines(view, label)) or label(strings.t(locale, "menu.empty"))
    intro = label(strings.t(locale, "menu.intro"))
    return title, [header(title), section(body), context([intro])]


def discord_menu(view: TagMenuView, locale: str, strings: Catalogue) -> dict[str, Any]:
    """One embed: the numbers in the description, how to use them in the footer."""
    body = "\n".join(_lines(view, escape_discord)) or escape_discord(
        strings.t(locale, "menu.empty")
    )
    return {
        "title": truncate(strings.t(locale, "menu.title"), DISCORD_LIMITS.title),
        "description": truncate(body, 4000),
        "footer": {"text": strings.t(locale, "menu.intro")},
        "color": BRAND_COLOUR,
    }


def console_menu(
    view: TagMenuView,
    locale: str,
    strings: Catalogue,
    escape: Callable[[str], str],
    style: Callable[[str, str], str],
) -> str:
    """Terminal text; the reaction is typed at the prompt, so it says how (`:react 3️⃣ menu`)."""
    lines = ["  " + line for line in _lines(view, escape)] or [
        escape(strings.t(locale, "menu.empty"))
    ]
    return "\n".join(
        [
            style(escape(strings.t(locale, "menu.title")), "bold"),
            *lines,
            escape(strings.t(locale, "menu.intro")),
            style(escape(strings.t(locale, "menu.hint_here")), "dim"),
        ]
    )
