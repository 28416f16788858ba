"""Requests Slack did not sign are refused; events are handled once; reactions reach the core."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import (
    TOKEN,
    Bot,
    destination,
    eventually,
    running_bot,
    wait_for,
)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


async def _metric(bot: Bot, name: str) -> dict[str, float]:
    """`labels → value` of one metric on the bot's /metrics."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{bot.port}/metrics") as response,
    ):
        text = await response.text()
    found = re.findall(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.MULTILINE)
    return {labels: float(value) for labels, value in found}


async def test_unsigned_badly_signed_and_stale_requests_get_401_and_change_nothing(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    async with running_bot(api, tmp_path, database_url) as bot:
        calls = len(api.calls)
        body = bot.sender.command_body("tag:alignment")
        form = "application/x-www-form-urlencoded"
        assert (await bot.sender.send(body, form, signed=False)).status == 401
        assert (await bot.sender.send(body, form, secret="not-the-secret")).status == 401
        assert (await bot.sender.send(body, form, age=301)).status == 401
        share = bot.sender.command_body("share 1")
        assert (await bot.sender.send(share, form, secret="wrong")).status == 401
        reaction = bot.sender.event_body(reaction_event(), event_id="EvForged")
        assert (await bot.sender.send(reaction, "application/json", age=400)).status == 401
        assert len(api.calls) == calls  # nothing reached Slack on their behalf
        assert await _metric(bot, "paperbot_reactions_total") == {}
        fresh = await bot.sender.send(body, form, age=200)  # within 5 minutes: fine
        assert fresh.status == 200 and fresh.json()["response_type"] == "ephemeral"
        challenge = json.dumps(
            {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
             "type": "url_verification"}
        ).encode()  # fmt: skip
        answered = await bot.sender.send(challenge, "application/json")
        assert answered.status == 200
        assert answered.json() == {
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
        }


async def test_a_reaction_on_a_digest_reaches_the_core_once_even_when_delivered_twice(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    config = destination(layout="inline")
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(lambda: "posted slot" in bot.logged())  # the runner's, not a migration's
        (post,) = api.called("chat.postMessage")
        await bot.reconciled()  # the 🔔 below is an event only, never added on the stand-in
        ours = reaction_event(channel="C1", ts=post.answer["ts"], emoji="bell::skin-tone-3")
        sent = bot.sender.event_body(ours, event_id="Ev0001")
        assert (await bot.sender.send(sent, "application/json")).status == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        again = await bot.sender.send(sent, "application/json", headers=retry)
        assert again.status == 200
        elsewhere = reaction_event(channel="C1", ts="1600000000.000100", added=False)
        assert (await bot.sender.event(elsewhere)).status == 200

        want = {
            '{outcome="recorded",platform="slack"}': 1.0,
            '{outcome="ignored",platform="slack"}': 1.0,
        }

        async def counted() -> bool:
            return await _metric(bot, "paperbot_reactions_total") == want

        await eventually(counted)
        assert await _metric(bot, "paperbot_slack_duplicate_events_total") == {"": 1.0}


async def test_a_reaction_event_naming_no_message_is_ignored_and_the_next_one_still_counts(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    config = destination(layout="inline")
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(lambda: "posted slot" in bot.logged())
        (post,) = api.called("chat.postMessage")
        await bot.reconciled()
        ts = str(post.answer["ts"])
        odd_items: list[dict[str, object]] = [
            {"type": "message", "ts": ts},  # no channel
            {"type": "message", "channel": "C1"},  # no ts
            {"type": "message", "channel": "", "ts": ""},
            {"type": "file", "file": "F1"},
            {"type": "file_comment", "file_comment": "Fc1", "file": "F1"},
        ]
        for item in odd_items:
            for added in (True, False):
                odd = {**reaction_event(channel="C1", ts=ts, added=added), "item": item}
                assert (await bot.sender.event(odd)).status == 200
        missing = reaction_event(channel="C1", ts=ts)
        del missing["item"]
        assert (await bot.sender.event(missing)).status == 200
        ours = reaction_event(channel="C1", ts=ts)
        assert (await bot.sender.event(ours)).status == 200

        async def counted() -> bool:
            recorded = '{outcome="recorded",platform="slack"}'
            return await _metric(bot, "paperbot_reactions_total") == {recorded: 1.0}

        await eventually(counted)
        assert "Traceback" not in bot.logged(), bot.logged()[-3000:]
