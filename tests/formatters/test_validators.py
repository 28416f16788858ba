"""The payload validators themselves: each rule catches what it is for."""

from __future__ import annotations

from typing import Any

from tests.support.discord_validation import discord_payload_errors
from tests.support.slack_validation import slack_payload_errors


def _section(text: str, verbatim: bool = True) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": verbatim}}


def _slack(*blocks: dict[str, Any], text: str = "fallback") -> list[str]:
    return slack_payload_errors({"text": text, "blocks": list(blocks)})


def test_slack_good_payload_passes() -> None:
    assert _slack(_section("hello")) == []


def test_slack_rules_each_catch_their_case() -> None:
    assert _slack(*[_section("x")] * 51)
    assert _slack(*[_section("x" * 2900)] * 4)  # 11,600 characters of text
    assert _slack({"type": "header", "text": {"type": "mrkdwn", "text": "h"}})
    assert _slack({"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]})
    assert _slack(_section("x", verbatim=False))
    assert _slack(_section("x" * 3001))
    assert _slack({**_section("x"), "txet": 1})
    assert _slack({"type": "no-such-block"})
    assert _slack(_section("x"), text=" ")


def _discord(**body: Any) -> list[str]:
    return discord_payload_errors({"content": "", "allowed_mentions": {"parse": []}, **body})


def test_discord_good_payload_passes() -> None:
    assert _discord(embeds=[{"title": "t", "description": "d"}]) == []


def test_discord_rules_each_catch_their_case() -> None:
    assert _discord(embeds=[{"title": "t" * 257}])
    assert _discord(embeds=[{"description": "d" * 4000}, {"description": "d" * 2001}])
    assert _discord(content="c" * 2001)
    assert _discord(embeds=[{"title": "t"}] * 11)
    assert _discord(embeds=[{"fields": [{"name": "n", "value": " "}]}])
    assert discord_payload_errors({"content": "x", "allowed_mentions": {"parse": ["everyone"]}})
    assert _discord()
