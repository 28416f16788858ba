"""A Slack channel paused by a permanent error keeps Slack's error code, so `/paper channel show`
says Slack's advice again in the reader's language, naming the channel as a clickable `<#C…>`
(the real transport against the stand-in, the real store on both engines); a pause without a
code (by hand, or a row from before), or with a code that has no advice, shows the stored
English reason as it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import update

from adapters.slack.clients import web_client
from adapters.slack.errors import advice_for
from adapters.slack.transport import SlackTransport
from bot.app import App, renderer_for
from bot.commands.channel import ChannelCommands, CommandContext
from bot.delivery.config import DeliveryConfig
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, ErrorCode, Platform
from bot.replies import MessageView, Reply
from bot.store.delivery_schema import DestinationStateRow
from tests.formatters.language import foreign_words
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day
from tests.support.slack_api import SlackApi, slack_api
from tests.support.sleep import VirtualSleep

CHANNEL = "C0123ABCD"
DEST = Destination(Platform.SLACK, "T1", CHANNEL, name="ml-papers")
SETTINGS = DestinationSettings(destination=DEST, backfill=Backfill.ALL)
ADMIN = CommandContext(DEST, "U1", platform_admin=True)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", "xoxb-t1")
        yield api


async def _delivery(app: App, api: SlackApi, clock: FixedClock) -> Delivery:
    client = web_client(api.base_url, "xoxb-t1")

    async def clients(_workspace: str) -> AsyncWebClient:
        return client

    route = Route(renderer_for(Platform.SLACK), SlackTransport(clients), advice_for)
    await put_day(app, date(2024, 9, 19), [note(date(2024, 9, 19), "Reward Models")])
    return build_delivery(
        app.engine,
        routes={Platform.SLACK: route},
        clock=clock,
        config=DeliveryConfig(destinations=(SETTINGS,), pause_after_failures=1),
        sleep=VirtualSleep(clock),
    )


async def _paused_by(api: SlackApi, delivery: Delivery, **fault: str) -> None:
    api.fail("chat.postMessage", channel=CHANNEL, times=9, **fault)
    assert await delivery.runner.run(SETTINGS, "slot:1") is RunOutcome.FAILED


async def _shown(delivery: Delivery, locale: str) -> str:
    """`/paper channel show` as the Slack reply's text."""
    result = await ChannelCommands(delivery).show(ADMIN)
    reply = Reply(MessageView(lines=result.lines), locale=locale)
    payload = renderer_for(Platform.SLACK).render_reply(reply)
    return "\n".join(b["text"]["text"] for b in payload.blocks if b["type"] == "section")


@pytest.mark.parametrize(
    ("locale", "advice"),
    [
        ("ko", "일시 중지됨 [not_in_channel]: 봇이 <#C0123ABCD> 채널에 없습니다"),
        ("en", "PAUSED [not_in_channel]: paperbot is not in <#C0123ABCD>: invite it there"),
    ],
)
async def test_show_says_slacks_advice_in_the_readers_language_with_a_channel_link(
    app: App, api: SlackApi, clock: FixedClock, locale: str, advice: str
) -> None:
    delivery = await _delivery(app, api, clock)
    await _paused_by(api, delivery, error="not_in_channel")
    state = await delivery.destinations.state(SETTINGS.key)
    assert state.paused and state.pause_code == ErrorCode("not_in_channel")
    assert "invite @paperbot to #ml-papers" in state.pause_reason  # the log's English, kept
    shown = await _shown(delivery, locale)
    assert advice in shown, shown
    assert state.pause_reason not in shown  # the English reason is not what is said
    pause_line = next(line for line in shown.splitlines() if "[not_in_channel]" in line)
    words = pause_line.replace("[not_in_channel]", "").replace("<#C0123ABCD>", "")
    assert foreign_words(words, locale) == []


@pytest.mark.parametrize(
    ("fault", "code", "says"),
    [  # the scope Slack says is missing is kept with the code; an unknown code says its reason
        (
            {"error": "missing_scope", "needed": "chat:write.public"},
            ErrorCode("missing_scope", "chat:write.public"),
            "앱에 chat:write.public 권한 범위가 없습니다",
        ),
        ({"error": "something_new"}, ErrorCode("something_new"), "일시 중지됨: something_new."),
    ],
    ids=["missing_scope", "unknown"],
)
async def test_the_code_is_kept_with_its_detail_and_an_unknown_one_says_the_reason(
    app: App, api: SlackApi, clock: FixedClock, fault: dict[str, str], code: ErrorCode, says: str
) -> None:
    delivery = await _delivery(app, api, clock)
    await _paused_by(api, delivery, **fault)
    assert (await delivery.destinations.state(SETTINGS.key)).pause_code == code
    assert says in await _shown(delivery, "ko")


async def test_a_pause_without_a_code_shows_its_stored_text(
    app: App, api: SlackApi, clock: FixedClock
) -> None:
    delivery = await _delivery(app, api, clock)
    await _paused_by(api, delivery, error="not_in_channel")
    async with app.engine.begin() as conn:  # a row paused before codes were kept
        await conn.execute(update(DestinationStateRow).values(pause_code=None))
    state = await delivery.destinations.state(SETTINGS.key)
    assert state.paused and state.pause_code is None
    assert f"PAUSED: {state.pause_reason}." in await _shown(delivery, "en")
    await delivery.destinations.set_paused(SETTINGS.key, True, "reinstall the app", clock.now())
    assert "일시 중지됨: reinstall the app." in await _shown(delivery, "ko")  # by hand: no code


async def test_resuming_forgets_the_code(app: App, api: SlackApi, clock: FixedClock) -> None:
    delivery = await _delivery(app, api, clock)
    await _paused_by(api, delivery, error="not_in_channel")
    await delivery.destinations.set_paused(SETTINGS.key, False, "", clock.now())
    state = await delivery.destinations.state(SETTINGS.key)
    assert not state.paused and state.pause_code is None
    assert "not_in_channel" not in await _shown(delivery, "en")
