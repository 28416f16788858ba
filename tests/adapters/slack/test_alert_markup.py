"""A pause alert in a Slack admin channel: the advice names a Slack channel id as Slack's own
`<#C…>` link, while every value from elsewhere (a destination key, a reason, a channel id that
is not one) stays escaped and cannot ping."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.errors import delivery_error
from bot.delivery.alerts import paused_alert
from bot.models import Destination, Platform
from bot.replies import MessageView, Reply, Text
from tests.formatters.renderers import RENDERERS
from tests.support.mentions import slack_mentions

HOSTILE = "*x* <!channel> @here <@U1> &"


def _refused(channel: str, code: str = "not_in_channel", name: str = "") -> tuple[str, Text]:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    exc = SlackApiError(code, response)
    error = delivery_error(exc, Destination(Platform.SLACK, "T1", channel, name=name))
    assert error is not None and error.advice is not None
    return error.code, error.advice


def _shown(alert: Text, locale: str) -> str:
    reply = Reply(MessageView(lines=(alert,)), ephemeral=False, locale=locale)
    payload = RENDERERS[Platform.SLACK].render_reply(reply)
    return "\n".join(b["text"]["text"] for b in payload.blocks if b["type"] == "section")


@pytest.mark.parametrize(
    ("locale", "says"),
    [
        ("ko", "봇이 <#C0123ABCD> 채널에 없습니다"),
        ("en", "paperbot is not in <#C0123ABCD>: invite it there"),
    ],
)
def test_the_advice_links_the_slack_channel(locale: str, says: str) -> None:
    code, advice = _refused("C0123ABCD", name="ml-papers")
    shown = _shown(
        paused_alert(f"slack:T1:{HOSTILE}", "reason", 3, code=code, advice=advice), locale
    )
    assert says in shown, shown
    # the destination key is escaped: no live mention, no `<!channel>`
    assert "*x* &lt;!channel&gt; @\u200bhere &lt;@U1&gt; &amp;" in shown, shown
    assert slack_mentions(shown) == ["<#"]  # the advice's channel link, nothing else


@pytest.mark.parametrize("channel", [HOSTILE, "C0123ABCD>|<!channel", "c0123abcd", "C12"])
def test_an_id_that_is_no_slack_channel_id_is_escaped_text(channel: str) -> None:
    _, advice = _refused(channel)
    shown = _shown(
        paused_alert("slack:T1:C1", "reason", 3, code="not_in_channel", advice=advice), "en"
    )
    assert slack_mentions(shown) == [], shown
    assert "<!channel" not in shown and "<@U1>" not in shown


def test_a_channel_known_only_by_name_is_named_as_text() -> None:
    _, advice = _refused("general-id", name="ml-papers")
    shown = _shown(
        paused_alert("slack:T1:x", "reason", 3, code="not_in_channel", advice=advice), "en"
    )
    assert "paperbot is not in #ml-papers" in shown and slack_mentions(shown) == []


def test_a_person_who_cannot_be_dmed_is_named_as_text_not_pinged() -> None:
    _, advice = _refused("@U2", code="cannot_dm_bot", name="U2")
    shown = _shown(
        paused_alert("slack:T1:@U2", "reason", 1, code="cannot_dm_bot", advice=advice), "en"
    )
    assert "@U2 is a bot" in shown and slack_mentions(shown) == [], shown
