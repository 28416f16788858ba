"""The tag menu on Slack, end to end with the real service against the Web API stand-in: a
non-admin's `/paper tags menu` is refused; a workspace admin's posts the menu in the channel
(chat.postMessage) and the bot adds the numbers (reactions.add `one`…); a person's `two`
follows that number's tag with one ephemeral confirmation, removing it takes it back, the bot's
own reaction is ignored; an ingest that changes the most used tags edits the menu in place
(chat.update) and adds the new number. Numbers added and removed while the service was stopped
take effect at the next start (the reconcile pass reads the menu, `reactions.get`), confirmed
once; a further start changes nothing. Tags changed by notes added while stopped edit the menu
once the next start leads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.slack.test_tag_menu_payload import SLACK_MENUS
from tests.support.golden import check_golden
from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import Call, SlackApi, slack_api
from tests.support.slack_calls import blocks, shown
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import TOKEN, Bot, ask, running_bot, wait_for

MOE = tuple(Entry(f"Experts {n}", commentary="전문가.", tags=("moe",)) for n in range(3))


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN, admins={"UADMIN"})
        yield api


async def _answer(api: SlackApi, bot: Bot, text: str, user: str) -> str:
    """The command's private answer: in its acknowledgement, or through response_url."""
    return json.dumps(await ask(api, bot.sender, text, user=user), ensure_ascii=False)


def _wire(call: Call) -> dict[str, Any]:
    """What the bot sent, as a golden file holds it (the blocks parsed, the ts left out)."""
    return {**{k: v for k, v in call.args.items() if k != "ts"}, "blocks": blocks(call)}


async def test_an_admin_posts_the_menu_and_a_number_follows_its_tag(
    api: SlackApi, tmp_path: Path, database_url: str, update_golden: bool
) -> None:
    async with running_bot(
        api, tmp_path, database_url, extra_args=("--ingest-every", "0.1")
    ) as bot:
        refused = await _answer(api, bot, "tags menu", "U2")
        assert "관리자" in refused and not api.called("chat.postMessage")

        posted = await _answer(api, bot, "tags menu", "UADMIN")
        assert "태그 메뉴를 올렸습니다 (태그 4개)" in posted
        (menu,) = api.called("chat.postMessage")
        assert menu.args["channel"] == "C1"
        text = shown(menu)
        assert text.index("1️⃣  #rlhf") < text.index("2️⃣  #attention") < text.index("4️⃣")
        check_golden(SLACK_MENUS / "menu.posted.json", _wire(menu), update=update_golden)
        ts = menu.answer["ts"]
        await wait_for(lambda: len(api.called("reactions.add")) == 4)
        assert [c.args["name"] for c in api.called("reactions.add")] == [
            "one", "two", "three", "four",
        ]  # fmt: skip
        assert api.reactions[("C1", ts)] == ["one", "two", "three", "four"]

        await bot.sender.event(reaction_event(channel="C1", ts=ts, user="UBOT", emoji="one"))
        await bot.sender.event(reaction_event(channel="C1", ts=ts, user="U2", emoji="two"))
        await wait_for(lambda: api.called("chat.postEphemeral"))
        (confirmed,) = api.called("chat.postEphemeral")
        assert confirmed.args["user"] == "U2" and "이제 구독합니다: tag:attention." in shown(
            confirmed
        )
        assert "tag:attention" in await _answer(api, bot, "subscriptions", "U2")
        off = reaction_event(channel="C1", ts=ts, user="U2", emoji="two", added=False)
        await bot.sender.event(off)
        await wait_for(lambda: len(api.called("chat.postEphemeral")) >= 2)
        assert "구독을 해지했습니다: tag:attention." in shown(api.called("chat.postEphemeral")[1])

        notes = tmp_path / "notes"
        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", MOE), "utf-8")
        await wait_for(lambda: api.called("chat.update"), 90)
        (edited,) = api.called("chat.update")
        assert edited.args["ts"] == ts and edited.args["channel"] == "C1"
        text = shown(edited)
        assert "1️⃣  #rlhf" in text and "5️⃣  #moe" in text  # rlhf kept its number
        check_golden(SLACK_MENUS / "menu.edited.json", _wire(edited), update=update_golden)
        await wait_for(lambda: len(api.called("reactions.add")) == 5)
        assert api.called("reactions.add")[4].args["name"] == "five"
    assert len(api.called("chat.postEphemeral")) == 2  # none for the bot's own `one`
    assert len(api.called("chat.postMessage")) == 1
    assert api.problems == []


def _confirmed(api: SlackApi) -> list[tuple[str, str]]:
    return [(c.args["user"], shown(c)) for c in api.called("chat.postEphemeral")]


async def _reconciled(bot: Bot) -> str:
    """The start's reconcile pass has run: its log line."""
    await wait_for(lambda: "slack reconcile:" in bot.logged())
    return next(line for line in bot.logged().splitlines() if "slack reconcile:" in line)


async def test_numbers_changed_on_the_menu_while_stopped_take_effect_at_the_next_start(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    async with running_bot(api, tmp_path, database_url) as bot:
        await _answer(api, bot, "tags menu", "UADMIN")
        (menu,) = api.called("chat.postMessage")
        ts = menu.answer["ts"]
        await wait_for(lambda: len(api.called("reactions.add")) == 4)
        api.react("C1", ts, "one", "U3")  # U3 follows #rlhf while paperbot runs
        await bot.sender.event(reaction_event(channel="C1", ts=ts, user="U3", emoji="one"))
        await wait_for(lambda: _confirmed(api))
        assert "tag:rlhf" in await _answer(api, bot, "subscriptions", "U3")

    api.react("C1", ts, "two", "U2")  # while paperbot is stopped: no events
    api.react("C1", ts, "one", "U3", added=False)
    async with running_bot(api, tmp_path, database_url) as bot:
        await wait_for(lambda: len(_confirmed(api)) >= 3)
        assert "1 reactions added and 1 removed" in await _reconciled(bot)  # not the bot's own
        confirmed = dict(_confirmed(api)[1:])
        assert "이제 구독합니다: tag:attention." in confirmed["U2"]
        assert "구독을 해지했습니다: tag:rlhf." in confirmed["U3"]
        assert "tag:attention" in await _answer(api, bot, "subscriptions", "U2")
        assert "구독 중인 것이 없습니다" in await _answer(api, bot, "subscriptions", "U3")

    async with running_bot(api, tmp_path, database_url) as bot:
        assert "0 reactions added and 0 removed" in await _reconciled(bot)
        assert "tag:attention" in await _answer(api, bot, "subscriptions", "U2")
    assert len(_confirmed(api)) == 3  # one each, never again
    assert len(api.called("chat.postMessage")) == 1
    reads = api.called("reactions.get")
    assert reads and all(c.args.get("full") in ("true", "1", True) for c in reads)
    assert api.problems == []


async def test_tags_changed_while_stopped_edit_the_menu_when_the_next_start_leads(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    """Notes added while paperbot was stopped change the most used tags: the start-up read of
    the folder comes before the process leads, so the menu is edited once it does."""
    async with running_bot(api, tmp_path, database_url) as bot:
        await _answer(api, bot, "tags menu", "UADMIN")
        (menu,) = api.called("chat.postMessage")
        await wait_for(lambda: len(api.called("reactions.add")) == 4)
    assert not api.called("chat.update")
    notes = tmp_path / "notes"
    (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", MOE), "utf-8")
    async with running_bot(api, tmp_path, database_url, notes=notes):
        await wait_for(lambda: api.called("chat.update"))
        await wait_for(lambda: len(api.called("reactions.add")) == 5)
    (edited,) = api.called("chat.update")
    assert edited.args["ts"] == menu.answer["ts"] and "5️⃣  #moe" in shown(edited)
    assert api.called("reactions.add")[4].args["name"] == "five"
    assert api.problems == []
