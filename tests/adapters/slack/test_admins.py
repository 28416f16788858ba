"""Who may run admin sub-commands on Slack: `users.info` against the Web API stand-in, each
answer kept 5 minutes, a failed lookup a polite "no" that is asked again next time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.admins import WorkspaceAdmins
from adapters.slack.clients import web_client
from tests.support.slack_api import SlackApi, slack_api


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", "xoxb-t1", admins={"UADMIN"})
        yield api


async def test_an_answer_is_kept_five_minutes_then_asked_again(api: SlackApi) -> None:
    now = [1000.0]
    admins = WorkspaceAdmins(monotonic=lambda: now[0])
    client = web_client(api.base_url, "xoxb-t1")
    assert await admins.is_admin(client, "T1", "UADMIN")
    assert not await admins.is_admin(client, "T1", "U2")
    now[0] += 299
    assert await admins.is_admin(client, "T1", "UADMIN")
    assert len(api.called("users.info")) == 2  # both still cached
    now[0] += 2  # 301 s after the first answer
    api.workspace("T1", "xoxb-t1")  # UADMIN is no longer an admin
    assert not await admins.is_admin(client, "T1", "UADMIN")
    assert [c.args["user"] for c in api.called("users.info")] == ["UADMIN", "U2", "UADMIN"]


async def test_a_failed_lookup_is_no_and_is_not_kept(api: SlackApi) -> None:
    admins = WorkspaceAdmins()
    client = web_client(api.base_url, "xoxb-t1")
    api.fail("users.info", error="ratelimited", status=429, retry_after=1, times=1)
    assert not await admins.is_admin(client, "T1", "UADMIN")
    assert await admins.is_admin(client, "T1", "UADMIN")
    assert len(api.called("users.info")) == 2
