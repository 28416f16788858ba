"""Button clicks the core cannot answer, and odd interactivity payloads, sent to the real
`paperbot run` (Bolt on its aiohttp server): each is acknowledged, and the clicker is told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.databases import PostgresDatabases
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_service import TOKEN, ask, posted_to, running_bot, wait_for
from tests.support.slack_validation import slack_texts
from tests.support.tcp_proxy import proxied


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


def _buttons(message: dict[str, object]) -> dict[str, str]:
    """action_id → value of every button (the first of each id)."""
    found: dict[str, str] = {}
    for block in message["blocks"]:  # type: ignore[attr-defined]
        elements = block.get("elements", []) if block["type"] == "actions" else []
        for element in [*elements, block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], element["value"])
    return found


async def test_a_click_the_core_fails_on_is_acknowledged_and_the_clicker_told_privately(
    api: SlackApi, postgres_databases: PostgresDatabases, tmp_path: Path, seeds_dir: Path
) -> None:
    async with postgres_databases.fresh() as url, proxied(url) as (through, proxy):
        async with running_bot(api, tmp_path, through, notes=seeds_dir) as bot:
            found = await ask(api, bot.sender, "model")
            buttons = _buttons(found)
            buttons["paper.unsubscribe"] = "subscriptions remove tag:rlhf"
            buttons["paper.follow"] = buttons["paper.share"].removeprefix("id:")
            await proxy.close()  # the database goes away: every click's core call fails
            for action in sorted(buttons):
                reply_to = api.response_url()
                clicked = await bot.sender.action(action, buttons[action], response_url=reply_to)
                assert clicked.status == 200, clicked.text  # acknowledged
                apology = (await posted_to(api, reply_to)).args
                assert apology["response_type"] == "ephemeral", (action, apology)
                assert apology["replace_original"] is False  # the results stay
                text = "\n".join(slack_texts(apology))
                assert "내부 오류가 났습니다" in text, (action, text)
                await wait_for(lambda a=action: f"Slack button {a} failed" in bot.logged())
            await proxy.open()
        assert TOKEN not in bot.logged()
        assert api.problems == []


async def test_a_button_not_ours_or_without_a_value_is_answered_privately_and_changes_nothing(
    api: SlackApi, tmp_path: Path, database_url: str, seeds_dir: Path
) -> None:
    async with running_bot(api, tmp_path, database_url, notes=seeds_dir) as bot:
        found = await ask(api, bot.sender, "model")
        clicks = [
            ("paper.bogus", "x"),  # an action id no paperbot renders
            ("paper.page.next", ""),
            ("paper.share", ""),
            ("paper.note", " "),
            ("paper.unsubscribe", ""),
            ("paper.follow", ""),
        ]
        for action, value in clicks:
            reply_to = api.response_url()
            clicked = await bot.sender.action(action, value, response_url=reply_to)
            assert clicked.status == 200, (action, clicked.text)
            said = (await posted_to(api, reply_to)).args
            assert said["response_type"] == "ephemeral" and said["replace_original"] is False
            text = "\n".join(slack_texts(said))
            assert f"이 버튼({action})은 봇이 처리할 수 있는 버튼이 아니라서" in text, text
        assert api.called("chat.postMessage") == []  # nothing shared
        reply_to = api.response_url()
        next_page = _buttons(found)["paper.page.next"]
        paged = await bot.sender.action("paper.page.next", next_page, response_url=reply_to)
        assert paged.status == 200
        assert (await posted_to(api, reply_to)).args["replace_original"] is True
    assert api.problems == []


async def test_a_click_payload_naming_no_button_is_acknowledged_and_answered_privately(
    api: SlackApi, tmp_path: Path, database_url: str, seeds_dir: Path
) -> None:
    """`block_actions` with `actions: []`: Bolt's listener matching reads `actions[0]` and
    answered 500 (Slack shows the clicker an error and never retries interactivity)."""
    async with running_bot(api, tmp_path, database_url, notes=seeds_dir) as bot:
        reply_to = api.response_url()
        clicked = await bot.sender.action("", "", response_url=reply_to, actions=[])
        assert clicked.status == 200, clicked.text
        said = (await posted_to(api, reply_to)).args
        assert said["response_type"] == "ephemeral" and said["replace_original"] is False
        text = "\n".join(slack_texts(said))
        assert "어떤 버튼을 눌렀는지 알 수 없어서 바뀐 것이 없습니다" in text, text
        assert "Traceback" not in bot.logged()
        found = await ask(api, bot.sender, "model")  # the service answers on as before
        assert found["response_type"] == "ephemeral"
    assert api.problems == []


async def test_a_click_payload_of_odd_shape_is_acknowledged_and_answered_privately(
    api: SlackApi, tmp_path: Path, database_url: str, seeds_dir: Path
) -> None:
    """Slack sends objects and strings; a payload with others in their place gets a clear
    line, never Bolt's 404 or 500 (a null, numeric or missing `action_id`), a search for
    "None" (a null value read as text), or silence (a bare-string `team`, `channel` or `user`
    raised AttributeError after the ack)."""
    button = {"action_id": "paper.page.next", "block_id": "b1", "type": "button"}
    no_button = "어떤 버튼을 눌렀는지 알 수 없어서 바뀐 것이 없습니다"
    unusable = "이 버튼(paper.page.next)은 봇이 처리할 수 있는 버튼이 아니라서"
    found = "“tag:rlhf” 검색 결과"
    odd: list[tuple[dict[str, object], str]] = [
        ({"actions": [{**button, "action_id": None, "value": "tag:rlhf"}]}, no_button),
        ({"actions": [{**button, "action_id": 5, "value": "tag:rlhf"}]}, no_button),
        ({"actions": [{"type": "button", "value": "tag:rlhf"}]}, no_button),
        ({"actions": [{**button, "value": None}]}, unusable),
        ({"actions": [{**button, "value": {"a": 1}}]}, unusable),
        ({"team": "T1"}, found),
        ({"channel": "C1"}, found),
        ({"user": "U1"}, found),
        ({"team": None, "channel": None, "user": None, "container": None}, found),
    ]
    async with running_bot(api, tmp_path, database_url, notes=seeds_dir) as bot:
        for fields, said in odd:
            reply_to = api.response_url()
            clicked = await bot.sender.action(
                "paper.page.next", "tag:rlhf", response_url=reply_to, fields=fields
            )
            assert clicked.status == 200, (fields, clicked.status, clicked.text)
            answer = (await posted_to(api, reply_to)).args
            assert said in "\n".join(slack_texts(answer)), (fields, answer)
        assert "Traceback" not in bot.logged()
    assert api.problems == []
