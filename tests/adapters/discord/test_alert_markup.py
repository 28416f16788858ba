"""A pause alert in a Discord admin channel: the advice's channel mention and permission names
render as Discord markup, while every value from elsewhere (a destination key, a reason, a
channel id that is not one) stays escaped and cannot ping."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from adapters.discord.errors import Action, delivery_error
from bot.delivery.alerts import paused_alert
from bot.models import Platform
from bot.replies import MessageView, Reply, Text
from tests.formatters.renderers import RENDERERS
from tests.support.mentions import discord_mentions

HOSTILE = "*x* @everyone <@1> `y`"


def _refused(channel: str, code: int = 50013) -> tuple[str, Text]:
    response = SimpleNamespace(status=403, reason="Forbidden")
    exc = discord.HTTPException(response, {"code": code, "message": "Missing Permissions"})
    error = delivery_error(exc, channel, Action.POST)
    assert error is not None and error.advice is not None
    return error.code, error.advice


def _shown(alert: Text, locale: str) -> str:
    reply = Reply(MessageView(lines=(alert,)), ephemeral=False, locale=locale)
    payload = RENDERERS[Platform.DISCORD].render_reply(reply).to_json()
    assert payload["allowed_mentions"] == {"parse": []}
    description: str = payload["embeds"][0]["description"]
    return description


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_the_advice_mentions_the_channel_and_names_permissions_as_code(locale: str) -> None:
    code, advice = _refused("123456789012345678")
    shown = _shown(
        paused_alert(f"discord:9:{HOSTILE}", "reason", 3, code=code, advice=advice), locale
    )
    assert "<#123456789012345678> (123456789012345678)" in shown, shown
    assert "`View Channel`, `Send Messages`, `Embed Links`" in shown, shown
    # the destination key is escaped: no emphasis, no live mention, no code span
    assert r"\*x\* @" + "\u200beveryone" + r" \<@" + "\u200b" + r"1> \`y\`" in shown, shown
    assert discord_mentions(shown) == ["<#1"]  # the advice's channel link, nothing else


def test_a_channel_id_that_is_no_snowflake_is_escaped_text() -> None:
    code, advice = _refused(HOSTILE)
    shown = _shown(paused_alert("discord:9:1", "reason", 3, code=code, advice=advice), "en")
    assert discord_mentions(shown) == [] and "*x*" not in shown, shown
    assert "`Send Messages`" in shown  # the adapter's own markup still renders


def test_a_person_who_refuses_dms_is_named_by_a_mention() -> None:
    code, advice = _refused("@42", 50007)
    shown = _shown(paused_alert("discord:9:@42", "reason", 1, code=code, advice=advice), "en")
    assert "<@42> (42) does not accept DMs" in shown, shown


def test_a_reason_without_advice_is_escaped_whole() -> None:
    shown = _shown(paused_alert("discord:9:1", HOSTILE, 3), "en")
    assert discord_mentions(shown) == [] and "*x*" not in shown and "`y`" not in shown, shown
