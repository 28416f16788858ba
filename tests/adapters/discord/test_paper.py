"""`/paper` end to end: INTERACTION_CREATE from the stand-in's gateway, the real discord.py
client and command tree, the real command core over the seed notes, the answer captured and
validated at the stand-in's REST side."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import App
from tests.support.discord_bot import running
from tests.support.discord_paper import (
    ADMIN_ID,
    Bot,
    bot_parts,
    custom_ids,
    edited_in_place,
    texts,
)
from tests.support.discord_standin import CHANNEL_DM, MANAGE_GUILD, Channel, snowflake

EPHEMERAL = 64


async def test_a_quick_search_is_answered_privately_at_once(bot: Bot) -> None:
    asked = await bot.paper("tag:rlhf")
    answer = await bot.answered(asked)
    (callback,) = asked.callbacks
    assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL
    assert answer["flags"] == EPHEMERAL and asked.followups == []
    assert "rlhf" in texts(answer) and "검색 결과" in texts(answer)
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    assert any(c.startswith("paper:share:") for c in custom_ids(answer))


async def test_the_interactions_locale_picks_english(bot: Bot) -> None:
    answer = await bot.answered(await bot.paper("tag:rlhf", locale="en-US"))
    assert "notes for" in texts(answer)


async def autocomplete(bot: Bot, typed: str) -> dict[str, Any]:
    """The one callback Discord got for `/paper` autocomplete with `typed` so far."""
    data = {
        "id": snowflake(),
        "name": "paper",
        "type": 1,
        "options": [{"name": "query", "type": 3, "value": typed, "focused": True}],
    }
    asked = await bot.standin.interact(4, data, channel_id=bot.channel)
    await bot.standin.wait_for(lambda: asked.callbacks)
    (callback,) = asked.callbacks
    return callback


async def test_autocomplete_suggests_tags_with_counts_and_titles(bot: Bot) -> None:
    callback = await autocomplete(bot, "rl")
    assert callback["type"] == 8
    choices = callback["data"]["choices"]
    assert 0 < len(choices) <= 25
    assert {"name": "#rlhf (3)", "value": "tag:rlhf"} in choices
    assert any(c["value"].startswith("id:") for c in choices)


async def test_autocomplete_offers_at_most_25_choices_discords_limit(bot: Bot) -> None:
    choices = (await autocomplete(bot, ""))["data"]["choices"]
    assert len(choices) == 25  # the seed notes have 45 tags: more than Discord takes
    assert [c["value"] for c in choices[:3]] == ["help", "tags", "next"]


async def test_next_edits_the_same_response_and_previous_goes_back(bot: Bot) -> None:
    first = await bot.answered(await bot.paper("tag:llm,alignment,benchmark"))
    (forward,) = [c for c in custom_ids(first) if c.startswith("paper:page:")]
    clicked = await bot.click(first, forward)
    second = await bot.answered(clicked)
    assert edited_in_place(clicked)  # the same message, updated
    assert "2/" in texts(second) and "1/" not in texts(second)
    back = [c for c in custom_ids(second) if c.startswith("paper:page:")]
    again = await bot.answered(await bot.click(second, back[0]))
    assert "1/" in texts(again)


async def test_a_dated_search_finding_nothing_offers_a_button_for_the_undated_one(
    bot: Bot,
) -> None:
    none = await bot.answered(await bot.paper("가중치 평균 since:2024-06"))
    assert "since:2024-06 조건을 빼면 1편이 있습니다: /paper 가중치 평균" in texts(none)
    assert custom_ids(none) == ["paper:page:가중치 평균"]
    clicked = await bot.click(none, "paper:page:가중치 평균")
    found = await bot.answered(clicked)
    assert edited_in_place(clicked) and "WARM" in texts(found)


async def test_a_tag_no_note_has_offers_buttons_for_the_nearest_tags(bot: Bot) -> None:
    """`tag:rhlf` (a typo): the answer names the nearest tags notes have, a button each; a
    click edits the answer into that tag's results."""
    none = await bot.answered(await bot.paper("reward #rhlf"))
    line = "#rhlf 태그가 붙은 노트가 없습니다. 가까운 태그: #rlhf (3편), #rl (1편), #rlaif (1편)"
    assert line in texts(none)
    runs = ["paper:page:reward #rlhf", "paper:page:reward #rl", "paper:page:reward #rlaif"]
    assert custom_ids(none) == runs
    clicked = await bot.click(none, runs[0])
    found = await bot.answered(clicked)
    assert edited_in_place(clicked) and "“reward #rlhf” 검색 결과" in texts(found)


async def test_an_author_no_note_has_offers_buttons_for_the_nearest_authors(bot: Bot) -> None:
    """`author:behbahnai` (a typo): the answer names the nearest authors notes have, a button
    each; a click edits the answer into that author's results."""
    none = await bot.answered(await bot.paper("reward author:behbahnai"))
    line = "“behbahnai”에 맞는 저자의 노트가 없습니다. 가까운 저자: Feryal Behbahani (2편)"
    assert line in texts(none)
    run = 'paper:page:reward author:"Feryal Behbahani"'
    assert custom_ids(none) == [run]
    clicked = await bot.click(none, run)
    found = await bot.answered(clicked)
    assert edited_in_place(clicked)
    assert '“reward author:"Feryal Behbahani"” 검색 결과 1편' in texts(found)


async def test_a_hashed_tag_read_past_its_minus_offers_one_button_per_tag(bot: Bot) -> None:
    """`#-rhlf` is the tag rhlf; its offers swap it, so each button's custom_id is its own
    (Discord refuses a message repeating one: the stand-in answers 400, the asker nothing)."""
    none = await bot.answered(await bot.paper("reward #-rhlf"))
    runs = ["paper:page:reward #rlhf", "paper:page:reward #rl", "paper:page:reward #rlaif"]
    assert custom_ids(none) == runs
    found = await bot.answered(await bot.click(none, runs[0]))
    assert "“reward #rlhf” 검색 결과" in texts(found)


async def test_share_posts_the_note_visibly_naming_who_shared_it(bot: Bot) -> None:
    found = await bot.answered(await bot.paper("tag:rlhf"))
    share = next(c for c in custom_ids(found) if c.startswith("paper:share:"))
    clicked = await bot.click(found, share, name="Ana @everyone")
    await bot.standin.wait_for(lambda: clicked.callbacks)
    (callback,) = clicked.callbacks
    assert callback["type"] == 4
    shared = callback["data"]
    assert not (shared.get("flags") or 0) & EPHEMERAL
    assert "Ana" in shared["content"] and "공유" in shared["content"]
    assert shared["allowed_mentions"] == {"parse": []}


async def test_an_id_query_shows_the_full_note(bot: Bot) -> None:
    found = await bot.answered(await bot.paper("tag:rlhf"))
    key = next(c for c in custom_ids(found) if c.startswith("paper:share:")).split(":", 2)[2]
    full = await bot.answered(await bot.paper(f"id:{key}"))
    assert full["flags"] == EPHEMERAL and len(full["embeds"]) >= 1


async def test_a_bad_query_says_what_is_wrong(bot: Bot) -> None:
    answer = await bot.answered(await bot.paper("since:2024-13"))
    assert answer["embeds"][0]["color"] == 0xED4245 and "⚠️" in texts(answer)


async def test_no_query_shows_help(bot: Bot) -> None:
    answer = await bot.answered(await bot.paper(None))
    assert "/paper" in texts(answer)


async def test_admin_commands_need_manage_server_or_an_admin_id(bot: Bot) -> None:
    refused = await bot.answered(await bot.paper('channel set schedule "0 8 * * *"'))
    assert "⚠️" in texts(refused)
    by_manager = await bot.answered(
        await bot.paper('channel set schedule "0 8 * * *"', permissions=MANAGE_GUILD)
    )
    assert "⚠️" not in texts(by_manager) and r"0 8 \* \* \*" in texts(by_manager)
    by_id = await bot.answered(await bot.paper("channel show", user_id=ADMIN_ID))
    assert "⚠️" not in texts(by_id)


async def test_paper_works_in_a_dm_with_the_bot(bot: Bot) -> None:
    dm = Channel(snowflake(), None, CHANNEL_DM, "dm")
    bot.standin.channels[dm.id] = dm
    data = {"id": snowflake(), "name": "paper", "type": 1,
            "options": [{"name": "query", "type": 3, "value": "tag:rlhf"}]}  # fmt: skip
    asked = await bot.standin.interact(2, data, channel_id=dm.id)
    answer = await bot.answered(asked)
    assert "rlhf" in texts(answer)


async def test_a_button_still_works_after_the_bot_restarts(bot: Bot, app: App) -> None:
    first = await bot.answered(await bot.paper("tag:llm,alignment,benchmark"))
    (forward,) = [c for c in custom_ids(first) if c.startswith("paper:page:")]
    await bot.client.close()  # the process stops; its memory of the search goes with it
    async with running(bot_parts(app)):
        second = await bot.answered(await bot.click(first, forward))
    assert "2/" in texts(second)


async def test_full_note_shows_the_whole_note_privately(bot: Bot) -> None:
    found = await bot.answered(await bot.paper("tag:rlhf", locale="en-US"))
    full = next(c for c in custom_ids(found) if c.startswith("paper:full:"))
    labels = [c["label"] for row in found["components"] for c in row["components"]]
    assert "Full note 1" in labels
    note = await bot.answered(await bot.click(found, full, locale="en-US"))
    assert note["flags"] == EPHEMERAL and "Abstract" in texts(note)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("self-correction", "Self-Correct"),
        ('"reinforcement learning"', "Reinforcement Learning"),
        ("#rlhf", "rlhf"),
        ("tag:rlhf,safety -tag:benchmark", "rlhf"),
        ('author:"Aviral Kumar"', "Self-Correct"),
        ("since:2024-09-01 until:2024-09-30", "2024-09"),
        ("date:2024-09-20", "2024-09-20"),
        ("가중치 평균", "Weight"),
        ("tags", "#llm"),
        ("help", "/paper"),
    ],
)
async def test_every_query_form_is_answered(bot: Bot, query: str, shown: str) -> None:
    answer = await bot.answered(await bot.paper(query))
    assert shown in texts(answer) and "⚠️" not in texts(answer)
