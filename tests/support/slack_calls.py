"""Reading what paperbot did against the Slack stand-in, and playing a person towards it: the
helpers the end-to-end Slack tests share (a message's text and blocks as one string, the posts
to one channel, a message's buttons, a Follow click, a reaction that Slack both records and
announces). A `/paper` command and a response_url post are `slack_service.ask` and `posted_to`."""

from __future__ import annotations

import json
from typing import Any

from tests.support.slack_api import Call, SlackApi
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import Bot, posted_to

__all__ = [
    "blocks",
    "buttons",
    "ephemeral",
    "follow",
    "react",
    "shown",
    "to",
]


def blocks(call: Call) -> list[dict[str, Any]]:
    """A message call's blocks, parsed (the SDK sends them as a JSON string or a list)."""
    found = call.args.get("blocks") or []
    return list(json.loads(found) if isinstance(found, str) else found)


def shown(call: Call) -> str:
    """A message's fallback text and its blocks as JSON: what a person may read in it."""
    return str(call.args.get("text", "")) + json.dumps(blocks(call), ensure_ascii=False)


def to(api: SlackApi, method: str, channel: str) -> list[Call]:
    """The calls of `method` into one channel (`C1`, a DM `DU2`), in order."""
    return [c for c in api.called(method) if c.args.get("channel") == channel]


def buttons(call: Call, action_id: str) -> list[dict[str, Any]]:
    """The buttons of one kind (`paper.follow`, `paper.unsubscribe`) a message holds."""
    found = []
    for block in blocks(call):
        elements = [*block.get("elements", []), block.get("accessory") or {}]
        found += [e for e in elements if e.get("action_id") == action_id]
    return found


def ephemeral(api: SlackApi) -> list[tuple[str, str, str]]:
    """Every chat.postEphemeral as (user, channel, what it shows)."""
    return [(c.args["user"], c.args["channel"], shown(c)) for c in api.called("chat.postEphemeral")]


async def follow(bot: Bot, api: SlackApi, button: dict[str, Any], message: Call, user: str) -> str:
    """`user` clicks a paper's Follow button on `message`: what the private answer says."""
    url = api.response_url()
    clicked = await bot.sender.action(
        "paper.follow", button["value"], user=user, ephemeral=False,
        message_ts=message.answer["ts"], response_url=url,
    )  # fmt: skip
    assert clicked.status == 200
    answer = await posted_to(api, url)
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["replace_original"] is False  # the digest message stays as it was
    return shown(answer)


async def react(
    bot: Bot,
    api: SlackApi,
    message: Call,
    user: str,
    emoji: str = "bell",
    *,
    added: bool = True,
    retries: int = 0,
) -> None:
    """`user` adds (or removes) `emoji` on a message the bot posted: Slack records it (what
    reactions.get will list) and delivers the event, then `retries` times again, the same
    envelope with Slack's retry headers (as when it did not see the acknowledgement)."""
    channel, ts = str(message.args["channel"]), str(message.answer["ts"])
    api.react(channel, ts, emoji, user, added=added)
    event = reaction_event(channel=channel, ts=ts, user=user, emoji=emoji, added=added)
    body = bot.sender.event_body(event)
    for attempt in range(1 + retries):
        retry = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        answer = await bot.sender.send(body, "application/json", headers=retry if attempt else {})
        assert answer.status == 200
