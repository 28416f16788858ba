"""The Slack tag menu's payload, pinned by reviewed golden files (`--update-golden` rewrites
them; review the diff): ten tags in Korean, an edited menu with gaps in its numbers, tags that
need Slack escaping, and the empty menu in English. Each is also valid Block Kit. The payloads
the real service posts and edits are pinned too (`test_tag_menu.py`, `menu.posted.json`,
`menu.edited.json`)."""

from __future__ import annotations

import pytest

from bot.replies import Reply, TagMenuView
from bot.subscriptions.menu import KEYCAPS
from formatters.i18n import catalogue
from formatters.slack_replies import render_slack_reply
from formatters.templating import Templates
from tests.support.golden import GOLDEN_DIR, check_golden
from tests.support.slack_validation import slack_payload_errors

SLACK_MENUS = GOLDEN_DIR / "menus" / "slack"
TEN = ("rlhf", "attention", "efficiency", "dpo", "moe", "vision", "scaling", "rl", "agents", "ko")
MENUS = {
    "ten.ko": ({n: tag for n, tag in enumerate(TEN, 1)}, "ko"),
    "edited.ko": ({1: "rlhf", 3: "moe", 7: "reasoning"}, "ko"),
    "escaped.en": ({1: "a&b", 2: "<!channel>", 3: "x*y_z"}, "en"),
    "empty.en": ({}, "en"),
}


@pytest.mark.parametrize("name", sorted(MENUS))
def test_the_slack_menu_matches_its_golden_file_and_is_valid(
    name: str, update_golden: bool
) -> None:
    items, locale = MENUS[name]
    view = TagMenuView(tuple((KEYCAPS[n - 1], tag) for n, tag in sorted(items.items())))
    reply = Reply(view, ephemeral=False, locale=locale)
    payload = render_slack_reply(reply, templates=Templates(), strings=catalogue()).to_json()
    assert slack_payload_errors(payload) == []
    check_golden(SLACK_MENUS / f"{name}.json", payload, update=update_golden)
