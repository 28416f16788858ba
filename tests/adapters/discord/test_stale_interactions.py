"""Application commands and autocompletes paperbot's command tree does not know (left over from
an older paperbot, or synced by a newer replica), dispatched by the stand-in's gateway to the real
discord.py client: each is answered at once, so Discord shows neither "The application did not
respond" nor "Loading options failed"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.discord_paper import Bot, texts
from tests.support.discord_standin import Interaction, snowflake

EPHEMERAL = 64
FOCUSED = {"name": "query", "type": 3, "value": "rl", "focused": True}


async def interact(bot: Bot, kind: int, data: dict[str, Any], locale: str = "ko") -> Interaction:
    """An INTERACTION_CREATE of `kind` (2 command, 4 autocomplete), once it has a callback."""
    asked = await bot.standin.interact(
        kind, {"id": snowflake(), **data}, channel_id=bot.channel, locale=locale
    )
    await bot.standin.wait_for(lambda: asked.callbacks)
    return asked


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"name": "oldpaper", "type": 1, "options": []}, "/oldpaper"),
        (
            {"name": "paper", "type": 1, "options": [{"name": "search", "type": 1}]},
            "/paper search",
        ),
        ({"name": "Save paper", "type": 3, "target_id": snowflake(), "resolved": {}}, "Save paper"),
    ],
    ids=["another name", "a sub-command", "a message command"],
)
async def test_a_command_the_bot_does_not_have_is_answered_privately_to_use_paper(
    bot: Bot, data: dict[str, Any], named: str
) -> None:
    for locale, said in (("ko", "이제 쓸 수 없습니다"), ("en-US", "no longer available")):
        asked = await interact(bot, 2, data, locale)
        (callback,) = asked.callbacks
        assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL, callback
        answer = texts(asked.message())
        assert said in answer and named in answer and "/paper" in answer, answer
    answer = await bot.answered(await bot.paper("tag:rlhf"))  # /paper itself still answers
    assert "rlhf" in texts(answer)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "paper", "type": 1, "options": [{**FOCUSED, "focused": False}]},
        {"name": "paper", "type": 1, "options": []},
        {"name": "paper", "type": 1, "options": [{**FOCUSED, "name": "q"}]},
        {"name": "oldpaper", "type": 1, "options": [FOCUSED]},
    ],
    ids=["no focused option", "no option", "an unknown focused option", "an unknown command"],
)
async def test_an_autocomplete_the_tree_cannot_place_gets_no_choices(
    bot: Bot, data: dict[str, Any]
) -> None:
    asked = await interact(bot, 4, data)
    assert asked.callbacks == [{"type": 8, "data": {"choices": []}}]
    suggested = await interact(bot, 4, {"name": "paper", "type": 1, "options": [FOCUSED]})
    assert suggested.callbacks[0]["data"]["choices"]  # a well-formed one is still suggested


@pytest.mark.parametrize(
    "options",
    [[{"name": "query", "type": 4, "value": 5}], [{"name": "query", "type": 3, "value": 5}], None],
    ids=["an integer query (a newer replica's shape)", "a number for the string", "null options"],
)
async def test_a_command_in_a_shape_paperbot_cannot_use_gets_the_apology(
    bot: Bot, options: list[dict[str, Any]] | None
) -> None:
    """A number for `query` reaches the callback, whose failure on_error answers; `options:
    null` fails inside discord.py's tree before any command runs, past on_error (TypeError:
    before, logged by discord.py as ignored, and the asker saw "did not respond")."""
    for locale, said in (("ko", "내부 오류가 났습니다"), ("en-US", "Something went wrong")):
        asked = await interact(bot, 2, {"name": "paper", "type": 1, "options": options}, locale)
        (callback,) = asked.callbacks
        assert callback["type"] == 4 and callback["data"]["flags"] == EPHEMERAL, callback
        assert said in texts(asked.message())
    answer = await bot.answered(await bot.paper("tag:rlhf"))  # /paper itself still answers
    assert "rlhf" in texts(answer)
