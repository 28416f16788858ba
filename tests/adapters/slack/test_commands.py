"""`/paper` on Slack, end to end: signed form-encoded slash commands and button clicks sent to the
real `paperbot run` (Bolt on its aiohttp server), answers checked as Slack would receive them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.mentions import slack_mentions
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_service import TOKEN, Bot, ask, posted_to, running_bot
from tests.support.slack_validation import slack_payload_errors, slack_texts

ONLY_YOU = "나에게만 보이는 메시지입니다."


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN, admins={"UADMIN"}, owners={"UOWNER"})
        yield api


@pytest.fixture
async def bot(
    api: SlackApi, tmp_path: Path, database_url: str, seeds_dir: Path
) -> AsyncIterator[Bot]:
    config = '[delivery]\nadmin_user_ids = ["UCONFIG"]\n'
    async with running_bot(api, tmp_path, database_url, config=config, notes=seeds_dir) as bot:
        yield bot
    assert api.problems == []


def _checked(message: dict[str, Any]) -> dict[str, Any]:
    """A message as Slack would take it: valid blocks, nothing that pings."""
    payload = {k: message[k] for k in ("text", "blocks") if k in message}
    assert slack_payload_errors(payload) == []
    assert [m for t in slack_texts(payload) for m in slack_mentions(t)] == []
    return message


async def _ask(bot: Bot, api: SlackApi, text: str, **kwargs: Any) -> dict[str, Any]:
    """The answer to `/paper text`, in the ack or through response_url, checked."""
    return _checked(await ask(api, bot.sender, text, **kwargs))


async def _click(bot: Bot, api: SlackApi, action: str, value: str, **kwargs: Any) -> dict[str, Any]:
    """A button click as `kwargs` (user, ephemeral); the answer to its response_url, checked."""
    url = api.response_url()
    clicked = await bot.sender.action(action, value, response_url=url, **kwargs)
    assert clicked.status == 200, clicked.text
    return _checked((await posted_to(api, url)).args)


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id → value of every button (the first of each id)."""
    found: dict[str, str] = {}
    for block in message["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        for element in [*elements, block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], element["value"])
    return found


def _text(message: dict[str, Any]) -> str:
    return "\n".join(slack_texts(message))


QUERIES = [
    ("가중치 평균", "WARM"),
    ('"weight averaging"', "WARM"),
    ("tag:alignment", "alignment"),
    ("#alignment", "alignment"),
    ("tag:alignment,benchmark", "benchmark"),
    ("tag:alignment -tag:llm", "alignment"),
    ("author:rame", "WARM"),
    ("since:2024-09-01 until:2024-09-30", "2024-09"),
    ("date:2024-09-20", "2024-09-20"),
    ("id:2024-09-20-language-models-learn-to-mislead-humans-via-rlhf", "Mislead Humans"),
    ("tags", "alignment"),
    ("help", "tag:rlhf"),
    ("", "tag:rlhf"),
]


async def test_every_query_form_is_answered_ephemerally(bot: Bot, api: SlackApi) -> None:
    for text, expected in QUERIES:
        message = await _ask(bot, api, text)
        assert message["response_type"] == "ephemeral", text
        assert expected.lower() in _text(message).lower(), (text, _text(message)[:300])
        assert ONLY_YOU in _text(message)
    in_dm = await _ask(bot, api, "tag:alignment", channel="D0BOTDM")
    assert in_dm["response_type"] == "ephemeral" and "alignment" in _text(in_dm)
    assert api.called("users.info") == []  # searches never ask who is an admin


async def test_a_bad_query_gets_the_cores_message_ephemerally(bot: Bot, api: SlackApi) -> None:
    message = await _ask(bot, api, "since:2024-13-45")
    assert message["response_type"] == "ephemeral"
    assert "since:2024-13-45 는 날짜가 아닙니다" in _text(message)
    assert "tag:rlhf" in _text(message)  # the examples to try
    unknown = await _ask(bot, api, "colour:blue")
    assert "알 수 없는 키 colour:" in _text(unknown)


async def test_next_and_prev_replace_the_ephemeral_message(bot: Bot, api: SlackApi) -> None:
    first = await _ask(bot, api, "model")
    cursor = _buttons(first)["paper.page.next"]
    page_two = await _click(bot, api, "paper.page.next", cursor)
    assert page_two["replace_original"] is True and page_two["response_type"] == "ephemeral"
    assert "page:2" in cursor and _text(page_two) != _text(first)
    back = _buttons(page_two)["paper.page.prev"]
    page_one = await _click(bot, api, "paper.page.prev", back)
    assert page_one["replace_original"] is True
    assert _buttons(page_one)["paper.share"] == _buttons(first)["paper.share"]


async def test_a_dated_search_finding_nothing_offers_a_button_for_the_undated_one(
    bot: Bot, api: SlackApi
) -> None:
    none = await _ask(bot, api, "가중치 평균 since:2024-06")
    assert "since:2024-06 조건을 빼면 1편이 있습니다: /paper 가중치 평균" in _text(none)
    assert _buttons(none) == {"paper.page.next": "가중치 평균"}
    found = await _click(bot, api, "paper.page.next", "가중치 평균")
    assert found["replace_original"] is True and "WARM" in _text(found)


async def test_a_tag_no_note_has_offers_buttons_for_the_nearest_tags(
    bot: Bot, api: SlackApi
) -> None:
    """`tag:rhlf` (a typo): the answer names the nearest tags notes have, a page button each
    (one to a block); a click replaces the answer with that tag's results."""
    none = await _ask(bot, api, "reward tag:rhlf")
    line = "#rhlf 태그가 붙은 노트가 없습니다. 가까운 태그: #rlhf (3편), #rl (1편), #rlaif (1편)"
    assert line in _text(none)
    runs = [
        (e["action_id"], e["value"], e["text"]["text"])
        for b in none["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert runs == [
        ("paper.page.next", "reward tag:rlhf", "#rlhf (3편)"),
        ("paper.page.next", "reward tag:rl", "#rl (1편)"),
        ("paper.page.next", "reward tag:rlaif", "#rlaif (1편)"),
    ]
    found = await _click(bot, api, "paper.page.next", "reward tag:rlhf")
    assert found["replace_original"] is True and "“reward tag:rlhf” 검색 결과" in _text(found)


async def test_an_author_no_note_has_offers_buttons_for_the_nearest_authors(
    bot: Bot, api: SlackApi
) -> None:
    """`author:behbahnai` (a typo): the answer names the nearest authors notes have, a page
    button each; a click replaces the answer with that author's results."""
    none = await _ask(bot, api, "reward author:behbahnai")
    line = "“behbahnai”에 맞는 저자의 노트가 없습니다. 가까운 저자: Feryal Behbahani (2편)"
    assert line in _text(none)
    (block,) = [b for b in none["blocks"] if b["type"] == "actions"]
    (run,) = block["elements"]
    query = 'reward author:"Feryal Behbahani"'
    assert (run["action_id"], run["value"], run["text"]["text"]) == (
        "paper.page.next",
        query,
        "Feryal Behbahani (2편)",
    )
    found = await _click(bot, api, "paper.page.next", query)
    assert found["replace_original"] is True and f"“{query}” 검색 결과 1편" in _text(found)


async def test_share_posts_visibly_naming_who_shared_and_full_note_only_to_the_clicker(
    bot: Bot, api: SlackApi
) -> None:
    found = await _ask(bot, api, "tag:alignment")
    note = _buttons(found)["paper.share"]
    assert note.startswith("id:")
    shared = await _click(bot, api, "paper.share", note, user="U7", user_name="grace")
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert "grace" in _text(shared) and "<@" not in str(shared["blocks"])
    full = _buttons(shared)["paper.note"]
    whole = await _click(bot, api, "paper.note", full, user="U8", ephemeral=False)
    assert whole["response_type"] == "ephemeral" and whole["replace_original"] is False
    assert ONLY_YOU in _text(whole)
    typed = await _ask(bot, api, "share 1")  # the hit numbered 1 of my last search
    assert typed["response_type"] == "in_channel"


async def test_admin_commands_check_the_caller(bot: Bot, api: SlackApi) -> None:
    refused = await _ask(bot, api, "digest preview", user="U1")
    assert "관리자" in _text(refused)
    for admin in ("UADMIN", "UOWNER", "UCONFIG"):
        allowed = await _ask(bot, api, "channel show", user=admin)
        assert "관리자" not in _text(allowed), (admin, _text(allowed))
        assert allowed["response_type"] == "ephemeral"
    asked = len(api.called("users.info"))
    await _ask(bot, api, "channel show", user="UADMIN")
    assert len(api.called("users.info")) == asked  # cached
    assert {c.args["user"] for c in api.called("users.info")} == {
        "U1",
        "UADMIN",
        "UOWNER",
        "UCONFIG",
    }
