"""The notice telling a person why their DM digest stopped says the platform's advice for the
code that paused it, in the person's language, with that platform's markup; a pause without a
code says the stored English reason as before (real stores, both engines; the adapters'
classification of the platform's own error)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import discord
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.discord import errors as discord_errors
from adapters.slack import errors as slack_errors
from bot.app import App
from bot.delivery.advice import PauseAdvice
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery, build_delivery
from bot.digest.personal import DeliveryPlan, Person
from bot.errors import DeliveryError
from bot.models import Destination, ErrorCode, Platform
from bot.replies import Reply
from bot.store.dm_notices import SqlDmNotices
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.notices import DmNotices
from tests.formatters.renderers import RENDERERS
from tests.support.clock import FixedClock
from tests.support.renderer import ListRenderer
from tests.support.transport import RecordingTransport

SLACK_PERSON = Person(Platform.SLACK, "T1", "U2")
DISCORD_PERSON = Person(Platform.DISCORD, "9", "42")


def _slack_refusal(code: str = "cannot_dm_bot", **data: str) -> DeliveryError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/conversations.open",
        req_args={},
        data={"ok": False, "error": code, **data},
        headers={},
        status_code=200,
    )
    exc = SlackApiError(code, response)
    error = slack_errors.delivery_error(exc, SLACK_PERSON.destination())
    assert error is not None
    return error


def _discord_refusal() -> DeliveryError:
    response = SimpleNamespace(status=403, reason="Forbidden")
    exc = discord.HTTPException(response, {"code": 50007, "message": "Cannot send messages"})
    error = discord_errors.delivery_error(exc, "@42", discord_errors.Action.DM)
    assert error is not None
    return error


def _delivery(app: App, clock: FixedClock) -> Delivery:
    routes = {
        Platform.SLACK: Route(ListRenderer(), RecordingTransport(), slack_errors.advice_for),
        Platform.DISCORD: Route(ListRenderer(), RecordingTransport(), discord_errors.advice_for),
    }
    return build_delivery(app.engine, routes=routes, clock=clock)


def _notices(app: App, clock: FixedClock, delivery: Delivery) -> DmNotices:
    pauses = PauseAdvice(delivery.destinations, delivery.publisher)
    return DmNotices(SqlDmNotices(app.engine), SqlSubscriptionStore(app.engine), clock, pauses)


def _text(platform: Platform, reply: Reply) -> str:
    payload = RENDERERS[platform].render_reply(reply)
    if platform is Platform.DISCORD:
        return str(payload.to_json()["embeds"][0]["description"])
    return "\n".join(b["text"]["text"] for b in payload.blocks if b["type"] == "section")


async def _pending(notices: DmNotices, person: Person, locale: str) -> Reply:
    said: list[Reply] = []

    async def say(reply: Reply) -> bool:
        said.append(reply)
        return True

    await notices.say_pending(person, locale, say)
    (reply,) = said
    return reply


async def _noticed(
    app: App, clock: FixedClock, person: Person, error: DeliveryError, locale: str
) -> str:
    """The person's DM paused by `error` (its code kept): the notice as they read it."""
    delivery = _delivery(app, clock)
    await delivery.destinations.record_permanent_failure(
        person.key, str(error), pause_after=1, now=clock.now(), code=error.error_code
    )
    notices = _notices(app, clock, delivery)
    await notices.failed(person, str(error))
    return _text(person.platform, await _pending(notices, person, locale))


DISCORD_EN = "Discord does not let paperbot send you DMs: turn on Direct Messages from server"
DISCORD_KO = "디스코드가 봇의 DM을 막고 있습니다: 이 서버의 개인정보 보호 설정에서 서버 멤버의"


@pytest.mark.parametrize(
    ("person", "refusal", "locale", "says"),
    [
        (DISCORD_PERSON, _discord_refusal, "ko", DISCORD_KO),
        (DISCORD_PERSON, _discord_refusal, "en", DISCORD_EN),
        (SLACK_PERSON, _slack_refusal, "ko", "이 계정은 봇이고, 슬랙은 앱이 봇에게 DM을"),
        (SLACK_PERSON, _slack_refusal, "en", "this account is a bot, and Slack does not let"),
    ],
    ids=["discord-ko", "discord-en", "slack-ko", "slack-en"],
)
async def test_the_notice_says_the_platforms_advice_in_the_persons_language(
    app: App,
    clock: FixedClock,
    person: Person,
    refusal: Callable[[], DeliveryError],
    locale: str,
    says: str,
) -> None:
    """Spoken to the person (what they can do), not the admin's sentence about them ("<@42>
    does not accept DMs …: their DM digests stay paused"), which the alert keeps."""
    error = refusal()
    shown = await _noticed(app, clock, person, error, locale)
    assert says in shown, shown
    assert str(error) not in shown  # the English reason is the log's
    assert ("📭 DM 다이제스트를" if locale == "ko" else "📭 Your DM digest") in shown
    admins_words = ("<@42>", "@U2", "their DM", "사용자가", "remove the subscription", "구독을")
    for admins in admins_words:
        assert admins not in shown, shown
    assert "Allow DMs from paperbot" not in shown and "봇의 DM 을 허용한 뒤" not in shown
    assert error.advice is not None and ".dm." not in error.advice.key  # the alert: the admin's
    assert "/paper subscriptions cadence" in shown


@pytest.mark.parametrize(
    ("refusal", "locale", "says"),
    [
        (("channel_not_found", {}), "en", "Slack finds no DM between you and paperbot: ask a"),
        (("channel_not_found", {}), "ko", "슬랙에서 봇과의 DM을 찾지 못했습니다: 워크스페이스"),
        (
            ("missing_scope", {"needed": "im:write"}),
            "en",
            "the app may not send DMs without the scope im:write: ask a workspace admin",
        ),
        (
            ("missing_scope", {"needed": "im:write"}),
            "ko",
            "앱에 im:write 권한 범위가 없어 DM을 보낼 수 없습니다: 워크스페이스 관리자에게",
        ),
        (("user_not_visible", {}), "ko", "봇이 회원님의 계정을 볼 수 없습니다"),
        (("restricted_action", {}), "en", "stops paperbot sending you DMs: ask a workspace"),
        (("user_disabled", {}), "en", "your account in this workspace is deactivated: ask"),
        (("user_not_found", {}), "ko", "슬랙이 이 워크스페이스에서 회원님의 계정을 찾지 못합니다"),
        (("token_revoked", {}), "en", "access to this workspace was revoked: ask a workspace"),
        (("invalid_auth", {}), "ko", "봇을 운영하는 사람에게 확인해 달라고 하세요"),
        (("app_uninstalled", {}), "en", "this workspace removed the paperbot app, which paused"),
        (("tokens_revoked", {}), "ko", "이 워크스페이스가 봇의 접근 권한을 취소해서, 그동안"),
    ],
    ids=[
        "channel_not_found-en",
        "channel_not_found-ko",
        "missing_scope-en",
        "missing_scope-ko",
        "user_not_visible-ko",
        "restricted_action-en",
        "user_disabled-en",
        "user_not_found-ko",
        "token_revoked-en",
        "invalid_auth-ko",
        "app_uninstalled-en",
        "tokens_revoked-ko",
    ],
)
async def test_a_slack_dm_notice_speaks_to_the_person_not_an_admin(
    app: App, clock: FixedClock, refusal: tuple[str, dict[str, str]], locale: str, says: str
) -> None:
    """Where a channel's advice is an admin's (the config's channel id, adding a scope), the
    person reading why their DMs stopped is told what they can do: ask an admin."""
    code, data = refusal
    shown = await _noticed(app, clock, SLACK_PERSON, _slack_refusal(code, **data), locale)
    assert says in shown, shown
    admins_words = ("config", "설정의", "invite", "초대", "add it, then", "추가한 뒤", "@U2")
    for admins in (*admins_words, "SLACK_", "/slack/install"):
        assert admins not in shown, shown
    error = _slack_refusal(code, **data)
    assert error.advice is not None and error.advice.key == f"advice.slack.{code}"  # the alert
    channel = Destination(Platform.SLACK, "T1", "C0123ABCD")  # a channel's admin: as before
    advice = slack_errors.advice_for(channel, ErrorCode(code, data.get("needed", "")))
    assert advice is not None and advice.key == f"advice.slack.{code}"


async def test_slack_tells_at_once_in_the_persons_language(app: App, clock: FixedClock) -> None:
    error = _slack_refusal()
    delivery = _delivery(app, clock)
    await SqlSubscriptionStore(app.engine).add(
        SLACK_PERSON,
        ["tag:rl"],
        "reaction:slack:T1:C1:1.2",
        now=clock.now(),
        plan=DeliveryPlan(locale="en"),
    )
    await delivery.destinations.record_permanent_failure(
        SLACK_PERSON.key, str(error), pause_after=1, now=clock.now(), code=error.error_code
    )
    notices = _notices(app, clock, delivery)
    told: list[tuple[str, Reply]] = []

    async def tell(_person: Person, channel: str, reply: Reply) -> bool:
        told.append((channel, reply))
        return True

    notices.tell_with(Platform.SLACK, tell)
    await notices.failed(SLACK_PERSON, str(error))
    ((channel, reply),) = told
    assert channel == "C1" and reply.locale == "en"
    assert "this account is a bot, and Slack does not let apps" in _text(Platform.SLACK, reply)


async def test_a_pause_without_a_code_says_the_stored_reason(app: App, clock: FixedClock) -> None:
    delivery = _delivery(app, clock)
    reason = "Discord HTTP 403 code 0: nobody knows"
    await delivery.destinations.record_permanent_failure(
        DISCORD_PERSON.key, reason, pause_after=1, now=clock.now()
    )
    notices = _notices(app, clock, delivery)
    await notices.failed(DISCORD_PERSON, reason)
    shown = _text(Platform.DISCORD, await _pending(notices, DISCORD_PERSON, "ko"))
    assert "nobody knows" in shown and "📭 DM 다이제스트를" in shown, shown


async def test_asking_for_dms_again_leaves_no_code_behind(app: App, clock: FixedClock) -> None:
    error = _discord_refusal()
    delivery = _delivery(app, clock)
    await delivery.destinations.record_permanent_failure(
        DISCORD_PERSON.key, str(error), pause_after=1, now=clock.now(), code=error.error_code
    )
    assert (await delivery.destinations.state(DISCORD_PERSON.key)).pause_code is not None
    assert await SqlSubscriptionStore(app.engine).resume_dm(DISCORD_PERSON)
    state = await delivery.destinations.state(DISCORD_PERSON.key)
    assert not state.paused and state.pause_code is None
