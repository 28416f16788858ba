"""A `/paper` answer slower than the acknowledgement budget: an empty ack in time, then the answer
through response_url; one ready within it: the ack itself. Real Bolt on a real aiohttp server;
the slow core is held at a gate, so neither test depends on how loaded the machine is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from adapters.http.prometheus import PrometheusMetrics
from adapters.slack.admins import WorkspaceAdmins
from adapters.slack.bolt import SlackHttp, build_bolt_app
from adapters.slack.clients import web_client
from adapters.slack.listeners import SlackListeners, SlackServices
from bot.commands.request import CommandRequest
from bot.models import Reaction
from bot.payloads import SlackPayload
from bot.replies import MessageView, Reply, Text
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_requests import SlackSender
from tests.support.slack_service import SECRET, TOKEN, wait_for


class Seen:
    async def first_time(self, event_id: str) -> bool:
        return True


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


def _services(answer: Callable[[CommandRequest], Awaitable[Reply]]) -> SlackServices:
    """The listeners' services around `answer` (a core that answers "slow answer")."""

    def render(reply: Reply) -> SlackPayload:
        block = {"type": "section", "text": {"type": "plain_text", "text": "slow answer"}}
        return SlackPayload(text="slow answer", blocks=(block,))

    async def locale(_workspace: str, _channel: str) -> str:
        return "en"

    async def reactions(_reaction: Reaction) -> None:
        return None

    async def uninstalled(_enterprise: str | None, _team: str, _why: str) -> None:
        return None

    return SlackServices(
        answer,
        render,
        locale,
        reactions,
        Seen(),
        PrometheusMetrics(),
        WorkspaceAdmins(),
        uninstalled,
    )


@asynccontextmanager
async def _serving(api: SlackApi, listeners: SlackListeners) -> AsyncIterator[SlackSender]:
    """Real Bolt behind `SlackHttp` on a real aiohttp server; a sender pointed at it."""
    bolt = build_bolt_app(SECRET, web_client(api.base_url, TOKEN), listeners)
    app = web.Application()
    SlackHttp(bolt, listeners).mount(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        yield SlackSender(url, SECRET, api.response_url)
    finally:
        await runner.cleanup()


async def test_a_slow_answer_is_acknowledged_empty_then_sent_to_response_url(
    api: SlackApi,
) -> None:
    gate = asyncio.Event()
    asked: list[CommandRequest] = []

    async def answer(request: CommandRequest) -> Reply:
        asked.append(request)
        await gate.wait()
        return Reply(MessageView(lines=(Text("slow answer"),)))

    listeners = SlackListeners(ack_budget=0.05)
    listeners.services = _services(answer)
    async with _serving(api, listeners) as sender:
        acked = await sender.command("tag:rl")
        assert acked.status == 200 and acked.text == ""  # a pure ack: posts nothing
        assert asked[0].text == "tag:rl" and asked[0].locale == "en"
        assert api.called("response") == []
        gate.set()
        await wait_for(lambda: api.called("response"), 10)
        (answered,) = api.called("response")
        assert answered.args["text"] == "slow answer"
        assert answered.args["response_type"] == "ephemeral"


async def test_an_answer_ready_within_the_budget_is_the_acknowledgement_itself(
    api: SlackApi,
) -> None:
    """The fast path, without a clock: the core has answered before the budget (60 s here, 2 s
    in production) runs out, so the answer is the ack's body and nothing goes to response_url."""

    async def answer(request: CommandRequest) -> Reply:
        return Reply(MessageView(lines=(Text("slow answer"),)))

    listeners = SlackListeners(ack_budget=60)
    listeners.services = _services(answer)
    async with _serving(api, listeners) as sender:
        acked = await sender.command("tag:rl")
        assert acked.status == 200 and acked.json()["text"] == "slow answer"
        assert acked.json()["response_type"] == "ephemeral"
    assert api.called("response") == []


async def test_before_the_service_started_slack_gets_503(api: SlackApi) -> None:
    async with _serving(api, SlackListeners()) as sender:
        answer = await sender.command("tag:rl")
        assert answer.status == 503
