"""The Follow button on each paper and the Remove buttons of a subscription list, as data in the
payloads, within Slack's and Discord's limits (button text 75 / label 80 characters, custom_id
100, 5 buttons a row, 5 rows)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.models import Layout
from bot.replies import MessageView, Reply, msg
from formatters.discord_embeds import DiscordRenderer
from formatters.slack_blocks import SlackRenderer
from tests.support.digests import crafted_digest, crafted_note

LONG_TAGS = tuple(f"a-rather-long-tag-{n}" for n in range(12))


def _slack_follows(payloads: list[Any]) -> list[dict[str, Any]]:
    return [
        element
        for payload in payloads
        for block in payload.blocks
        for element in block.get("elements", [])
        if element.get("action_id") == "paper.follow"
    ]


def _discord_buttons(payload: Any) -> list[dict[str, Any]]:
    return [button for row in payload.components for button in row["components"]]


def test_each_tagged_live_paper_gets_one_follow_button_carrying_its_key() -> None:
    notes = [
        crafted_note(1),
        crafted_note(2, tags=()),
        crafted_note(3, retracted=True),
        crafted_note(4, tags=LONG_TAGS),
    ]
    digest = crafted_digest(notes, locale="en")
    slack = _slack_follows(SlackRenderer().render_digest(digest))
    assert [b["value"] for b in slack] == ["2024-09-20-paper-1", "2024-09-20-paper-4"]
    assert slack[0]["text"]["text"] == "🔔 Follow #rl #reasoning"
    assert len(slack[1]["text"]["text"]) <= 75 and slack[1]["text"]["text"].endswith(" +10")
    header, *papers = DiscordRenderer().render_digest(digest)
    assert header.components == ()
    ids = [[b["custom_id"] for b in _discord_buttons(p)] for p in papers]
    assert ids == [["paper:follow:2024-09-20-paper-1"], [], [], ["paper:follow:2024-09-20-paper-4"]]
    label = _discord_buttons(papers[3])[0]["label"]
    assert len(label) <= 80 and label.startswith("🔔 Follow #a-rather-long-tag-0 ")


def test_discord_inline_messages_number_their_follow_buttons_five_a_row() -> None:
    digest = crafted_digest([crafted_note(n) for n in range(1, 10)], layout=Layout.INLINE)
    for payload in DiscordRenderer().render_digest(digest):
        assert all(len(row["components"]) <= 5 for row in payload.components)
        assert len(payload.components) <= 5
    buttons = [b for p in DiscordRenderer().render_digest(digest) for b in _discord_buttons(p)]
    assert [b["label"].split(".")[0] for b in buttons] == [str(n) for n in range(1, 10)]


def test_a_dm_digest_has_follow_buttons_on_slack_and_on_discord() -> None:
    digest = replace(crafted_digest([crafted_note(1)]), key="dm:slot:2024-09-20T09:00")
    assert len(_slack_follows(SlackRenderer().render_digest(digest))) == 1
    buttons = [b for p in DiscordRenderer().render_digest(digest) for b in _discord_buttons(p)]
    assert [b["custom_id"] for b in buttons] == [f"paper:follow:{digest.notes[0].key}"]


def _listing(filters: tuple[str, ...]) -> Reply:
    view = MessageView(lines=(msg("subs.following", filters=", ".join(filters)),))
    return Reply(replace(view, removable=filters), locale="en")


def test_remove_buttons_carry_the_command_and_stay_within_the_limits() -> None:
    filters = (*(f"tag:t{n}" for n in range(30)), "author:" + "x" * 95)
    slack = SlackRenderer().render_reply(_listing(filters))
    values = [b["accessory"]["value"] for b in slack.blocks if "accessory" in b]
    assert values[:2] == ["subscriptions remove tag:t0", "subscriptions remove tag:t1"]
    assert len(values) == len(filters) and len(slack.blocks) <= 50
    discord = DiscordRenderer().render_reply(_listing(filters))
    buttons = _discord_buttons(discord)
    assert len(discord.components) == 5 and len(buttons) == 25  # 5 rows of 5, the rest typed
    assert buttons[0] == {"type": 2, "style": 2, "label": "Remove tag:t0",
                          "custom_id": "paper:unsub:tag:t0"}  # fmt: skip
    assert "/paper unsubscribe" in discord.embeds[0]["footer"]["text"]
    assert DiscordRenderer().render_reply(_listing(("tag:rl",))).embeds[0].get("footer") is None
