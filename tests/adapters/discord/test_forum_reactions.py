"""A 🔔 on an inline digest's message in a forum channel, end to end with the real
`paperbot run` against the stand-in. In a forum every message is inside a post (a thread): the
first inline digest starts one, and later digests go into the post made last. The ledger keeps
their messages under the forum (where the digest was sent), the gateway names the post: the
event follows the paper's tags, and the reconcile pass reads the message inside its post, so a
🔔 added while paperbot was stopped, or removed while the gateway was down, takes effect."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.discord_paper import texts
from tests.support.discord_service import (
    ANA,
    FIRST,
    MATCHING,
    Deployment,
    Service,
    deployment,
    serving,
)
from tests.support.discord_standin import DiscordStandIn
from tests.support.real_delivery import write_notes

LATER_PAPER = MATCHING[0]  # tagged `rl` only


def _said(standin: DiscordStandIn, text: str) -> list[str]:
    return [t for m in standin.dm_posts(ANA) if text in (t := texts(m))]


async def _second_digest(setup: Deployment, service: Service) -> dict[str, Any]:
    """The forum's post after two inline digests: the second digest's message, in the post
    the first one started (so its id is not the post's)."""
    standin = setup.standin
    (post,) = await standin.wait_for(lambda: standin.threads, 90)
    await standin.wait_for(lambda: standin.channel_posts(post["thread"]), 90)
    await service.logged("posted slot:")
    write_notes(setup.notes, [FIRST, LATER_PAPER])
    (_, second) = await standin.wait_for(
        lambda: m if len(m := standin.channel_posts(post["thread"])) == 2 else None, 90
    )
    assert second["channel_id"] == post["thread"] != second["id"]
    assert LATER_PAPER.title in texts(second)
    await service.logged("posted slot:", 2)
    assert len(standin.threads) == 1
    return second


async def test_a_bell_on_an_inline_message_in_a_forum_post_follows_and_unfollows(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST], forum=True, layout="inline")
    async with serving(setup, tmp_path / "bot.log") as service:
        paper = await _second_digest(setup, service)
        await service.react(ANA, paper)  # the event names the post as its channel
        (followed,) = await standin.wait_for(lambda: _said(standin, "Now following"), 60)
        assert "tag:rl" in followed and "tag:reasoning" not in followed
        assert re.search(r"tag:rl\b", await service.paper(ANA, "subscriptions"))

        await service.react(ANA, paper, added=False)
        await standin.wait_for(lambda: _said(standin, "No longer following"), 60)
        assert not re.search(r"tag:rl\b", await service.paper(ANA, "subscriptions"))
    assert standin.problems == []


async def test_a_bell_on_an_inline_message_in_a_forum_post_is_reconciled_when_back(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST], forum=True, layout="inline")
    async with serving(setup, tmp_path / "first.log") as service:
        paper = await _second_digest(setup, service)

    standin.react(paper["id"], "🔔", ANA)  # while paperbot is stopped
    async with serving(setup, tmp_path / "second.log") as service:
        (followed,) = await standin.wait_for(lambda: _said(standin, "Now following"), 90)
        assert "tag:rl" in followed and "tag:reasoning" not in followed
        post = paper["channel_id"]
        assert standin.sent("GET", rf"/channels/{post}/messages/{paper['id']}/reactions/.+")

        standin.react(paper["id"], "🔔", ANA, added=False)  # while the gateway is down
        await standin.drop()
        await standin.wait_for(lambda: _said(standin, "No longer following"), 60)
        assert not re.search(r"tag:rl\b", await service.paper(ANA, "subscriptions"))
    assert len(_said(standin, "Now following")) == 1
    assert standin.problems == []
