"""Socket Mode against a local WebSocket stand-in: hello, a slash command envelope acknowledged
with the answer, Slack's refresh (disconnect) and the reconnection, the same listeners as HTTP."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_service import TOKEN, running_bot, slack_env, wait_for

APP_TOKEN = "xapp-1-A1-1234-abcdef"


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        api.app_tokens.add(APP_TOKEN)
        yield api


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


def _command(api: SlackApi, text: str) -> dict[str, str]:
    body = urllib.parse.urlencode({"text": text})
    return {
        "token": "legacy",
        "team_id": "T1",
        "team_domain": "t1",
        "channel_id": "C1",
        "channel_name": "ml-papers",
        "user_id": "U1",
        "user_name": "ada",
        "command": "/paper",
        "text": urllib.parse.parse_qs(body)["text"][0],
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": api.response_url(),
        "trigger_id": "1.2.3",
    }


async def test_commands_over_socket_mode_and_a_reconnect(
    api: SlackApi, tmp_path: Path, database_url: str, seeds_dir: Path
) -> None:
    env = slack_env(api, SLACK_APP_TOKEN=APP_TOKEN)
    async with running_bot(
        api, tmp_path, database_url, env=env, notes=seeds_dir, ready="Socket Mode connected"
    ) as bot:
        assert api.connections == 1
        first = await api.envelope("slash_commands", _command(api, "tag:alignment"))
        await wait_for(lambda: api.acknowledged(first), 20)
        answer = api.acknowledged(first)
        assert answer is not None
        assert answer["payload"]["response_type"] == "ephemeral"
        assert "alignment" in str(answer["payload"]["blocks"])
        # ready (on PostgreSQL once a replica leads: after this one's start-up ingest)
        async with asyncio.timeout(60):
            while (ready := await _get(bot.port, "/readyz"))[0] != 200:  # noqa: ASYNC110
                await asyncio.sleep(0.1)  # polling the child's endpoint
        assert '"slack": true' in ready[1]
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{bot.port}/slack/events") as http,
        ):
            assert http.status == 404  # inbound is the socket, not the HTTP URL

        await api.refresh()
        await wait_for(lambda: api.connections == 2, 30)
        second = await api.envelope("slash_commands", _command(api, "tags"))
        await wait_for(lambda: api.acknowledged(second), 20)
    assert len(api.called("apps.connections.open")) >= 2
    assert all(c.token == APP_TOKEN for c in api.called("apps.connections.open"))
    assert api.problems == []


async def test_a_first_connection_that_fails_is_retried(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    api.fail("apps.connections.open", error="internal_error")
    env = slack_env(api, SLACK_APP_TOKEN=APP_TOKEN)
    async with running_bot(api, tmp_path, database_url, env=env) as bot:
        await wait_for(lambda: "Socket Mode connected" in bot.logged(), 40)
        assert api.connections == 1
    opened = api.called("apps.connections.open")
    assert [c.answer["ok"] for c in opened] == [False, True]


async def test_the_service_runs_and_stops_while_slack_is_unreachable(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    api.fail("apps.connections.open", error="internal_error", times=1000)
    env = slack_env(api, SLACK_APP_TOKEN=APP_TOKEN)
    async with running_bot(api, tmp_path, database_url, env=env) as bot:
        status, body = await _get(bot.port, "/readyz")
        assert status == 503 and '"slack": false' in body
    assert api.connections == 0  # and running_bot saw it exit 0 after SIGTERM
