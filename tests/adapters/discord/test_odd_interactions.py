"""Interactions paperbot did not make, or made long ago, dispatched by the stand-in's gateway to
the real discord.py client: each is answered (Discord shows "This interaction failed" for one
that is not), privately, in the clicker's language."""

from __future__ import annotations

import pytest

from tests.support.discord_paper import Bot, custom_ids, texts

EPHEMERAL = 64


@pytest.mark.parametrize("action", ["page", "share", "full", "follow", "unsub"])
async def test_a_button_whose_state_is_empty_is_answered_privately(bot: Bot, action: str) -> None:
    first = await bot.answered(await bot.paper("tag:rlhf"))
    custom_id = f"paper:{action}:"  # Discord sends only clicks on a button of the message
    button = {"type": 2, "style": 2, "label": action, "custom_id": custom_id}
    message = {**first, "components": [{"type": 1, "components": [button]}]}
    for locale, said in (("ko", "이 버튼"), ("en-US", "This button")):
        clicked = await bot.click(message, custom_id, locale=locale)
        answer = await bot.answered(clicked)
        (callback,) = clicked.callbacks
        assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL, callback
        assert said in texts(answer) and custom_id in texts(answer), texts(answer)
        assert clicked.edits == []  # the message clicked on is left as it was


@pytest.mark.parametrize("custom_id", ["paper:bogus:x", "paper:share", "other:x"])
async def test_a_button_no_paperbutton_takes_is_answered_privately(
    bot: Bot, custom_id: str
) -> None:
    first = await bot.answered(await bot.paper("tag:rlhf"))
    button = {"type": 2, "style": 2, "label": "?", "custom_id": custom_id}
    message = {**first, "components": [{"type": 1, "components": [button]}]}
    clicked = await bot.click(message, custom_id, locale="en-US")
    answer = await bot.answered(clicked)
    (callback,) = clicked.callbacks
    assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL, callback
    assert f"This button ({custom_id}) is not one paperbot can act on" in texts(answer)
    ours = await bot.click(first, next(c for c in custom_ids(first) if "share" in c))
    await bot.answered(ours)
    assert len(ours.callbacks) == 1  # a PaperButton's click: answered by it alone
