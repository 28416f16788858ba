"""SlackTransport over the real slack_sdk client against the local Web API stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import web_client
from adapters.slack.transport import SlackTransport
from bot.errors import DeliveryError
from bot.models import Destination, MessageRef, Platform
from bot.payloads import SlackPayload
from formatters.i18n import LOCALES, catalogue
from tests.formatters.language import foreign_words
from tests.support.slack_api import SlackApi, slack_api

DEST = Destination(Platform.SLACK, "T1", "C1", name="ml-papers")
PAYLOAD = SlackPayload(
    text="Papers of the day",
    blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "*hi*", "verbatim": True}},),
)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", "xoxb-t1")
        yield api


def _transport(api: SlackApi) -> SlackTransport:
    client = web_client(api.base_url, "xoxb-t1")

    async def clients(_workspace: str) -> AsyncWebClient:
        return client

    return SlackTransport(clients)


async def test_post_then_reply_in_thread_then_edit(api: SlackApi) -> None:
    transport = _transport(api)
    parent = await transport.post(DEST, PAYLOAD)
    reply = await transport.post(DEST, PAYLOAD, thread=parent, nonce="n")
    await transport.edit(reply, SlackPayload(text="Corrected", blocks=PAYLOAD.blocks))
    posts = api.called("chat.postMessage")
    assert parent == MessageRef(Platform.SLACK, "T1", "C1", parent.message_id)
    assert reply.message_id != parent.message_id
    assert [p.args.get("thread_ts") for p in posts] == [None, parent.message_id]
    assert all(p.args["unfurl_links"] is False and p.args["unfurl_media"] is False for p in posts)
    assert all(p.token == "xoxb-t1" for p in api.calls)
    (update,) = api.called("chat.update")
    assert update.args["ts"] == reply.message_id and update.args["text"] == "Corrected"
    assert api.problems == []


async def test_429_is_retryable_with_slacks_retry_after_and_sent_once(api: SlackApi) -> None:
    api.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        await _transport(api).post(DEST, PAYLOAD)
    assert caught.value.retryable and caught.value.retry_after == 7
    assert len(api.called("chat.postMessage")) == 1  # slack_sdk did not retry it itself


async def _refused(api: SlackApi, fault: dict[str, object]) -> DeliveryError:
    """The error a post answered with `fault` raises (after one call: no retry of its own)."""
    api.fail("chat.postMessage", **fault)  # type: ignore[arg-type]
    with pytest.raises(DeliveryError) as caught:
        await _transport(api).post(DEST, PAYLOAD)
    assert len(api.called("chat.postMessage")) == 1
    return caught.value


@pytest.mark.parametrize(
    ("fault", "retryable", "says"),
    [
        ({"status": 500}, True, "HTTP 500"),
        ({"error": "internal_error"}, True, "internal_error"),
        ({"error": "not_in_channel"}, False, "invite @paperbot to #ml-papers"),
        ({"error": "channel_not_found"}, False, "channel_not_found"),
        (
            {"error": "missing_scope", "needed": "reactions:read"},
            False,
            "missing scope reactions:read",
        ),
        ({"error": "token_revoked"}, False, "reinstall"),
        ({"error": "something_new"}, False, "something_new"),
    ],
)
async def test_error_table(
    api: SlackApi, fault: dict[str, object], retryable: bool, says: str
) -> None:
    error = await _refused(api, fault)
    assert error.retryable is retryable and error.retry_after is None
    assert says in str(error)


@pytest.mark.parametrize(
    ("fault", "en", "ko"),
    [
        ({"error": "not_in_channel"}, "invite it there with /invite @paperbot", "초대하세요"),
        ({"error": "channel_not_found"}, "check the channel id in the config", "채널 id를"),
        ({"error": "missing_scope", "needed": "reactions:read"}, "scope reactions:read", "범위"),
    ],
)
async def test_a_known_code_carries_advice_in_each_language_and_the_raw_code(
    api: SlackApi, fault: dict[str, object], en: str, ko: str
) -> None:
    error = await _refused(api, fault)
    assert error.code == fault["error"] and error.advice is not None
    said = {locale: catalogue().text(locale, error.advice) for locale in LOCALES}
    assert en in said["en"] and ko in said["ko"]
    for locale, text in said.items():
        assert foreign_words(text.replace("reactions:read", ""), locale) == []


async def test_an_unknown_code_has_no_advice_only_its_code(api: SlackApi) -> None:
    error = await _refused(api, {"error": "something_new"})
    assert error.code == "something_new" and error.advice is None


async def test_connection_refused_is_retryable() -> None:
    async with slack_api() as gone:
        base = gone.base_url
    client = web_client(base, "xoxb-t1")

    async def clients(_workspace: str) -> AsyncWebClient:
        return client

    with pytest.raises(DeliveryError) as caught:
        await SlackTransport(clients).post(DEST, PAYLOAD)
    assert caught.value.retryable


async def test_an_invalid_payload_is_refused_permanently(api: SlackApi) -> None:
    bad = SlackPayload(
        text="x", blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "<!channel>"}},)
    )
    with pytest.raises(DeliveryError) as caught:
        await _transport(api).post(DEST, bad)
    assert not caught.value.retryable and "invalid_blocks" in str(caught.value)
    assert api.problems


DM = Destination(Platform.SLACK, "T1", "@U2")


async def test_a_persons_dm_is_opened_once_and_keeps_the_user_reference(api: SlackApi) -> None:
    transport = _transport(api)
    header = await transport.post(DM, PAYLOAD)
    reply = await transport.post(DM, PAYLOAD, thread=header)
    assert header == MessageRef(Platform.SLACK, "T1", "@U2", header.message_id)  # the ledger's
    (opened,) = api.called("conversations.open")  # Slack's IM is reused: opened once
    assert opened.args["users"] == "U2"
    posts = api.called("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["DU2", "DU2"]
    assert posts[1].args["thread_ts"] == header.message_id
    await _transport(api).edit(reply, PAYLOAD)  # another process (a restart): resolved again
    (update,) = api.called("chat.update")
    assert update.args["channel"] == "DU2" and update.args["ts"] == reply.message_id
    assert len(api.called("conversations.open")) == 2
    assert api.problems == []


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("cannot_dm_bot", "@U2 is a bot"),
        ("user_not_found", "no user @U2"),
        ("user_disabled", "@U2 is deactivated"),
        ("not_allowed_token_type", "not a bot token"),
    ],
)
async def test_a_person_who_cannot_be_dmed_is_a_permanent_error(
    api: SlackApi, error: str, says: str
) -> None:
    api.fail("conversations.open", error=error)
    with pytest.raises(DeliveryError) as caught:
        await _transport(api).post(DM, PAYLOAD)
    assert not caught.value.retryable and error in str(caught.value) and says in str(caught.value)
    assert api.called("chat.postMessage") == []
