"""A person who cannot be DMed, on Slack, end to end with the real service against the stand-in:
their DM digest fails for good (the DM answers `channel_not_found`), so it is paused and not
tried again; the person who subscribed with a `bell` is told why once, ephemerally in that
channel, in their language (Slack's advice to a person for the code that paused it); one who
subscribed by command is told with their next `/paper` answer, once (and, when Slack refuses
that answer's notice, with the answer after it: a failed send loses none)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import Call, SlackApi, slack_api
from tests.support.slack_calls import shown
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import ENTRIES, TOKEN, ask, destination, running_bot, wait_for

NEXT_DAY = (Entry("Scaling Reward Models", commentary="보상 모델.", tags=("rlhf",)),)
LATER_DAY = (Entry("RLHF Once More", commentary="한 번 더.", tags=("rlhf",)),)
NOTICE = "📭 DM 다이제스트를 보낼 수 없어 멈췄고"


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


def _notices(api: SlackApi, *, said: bool = True) -> list[Call]:
    """The notices Slack took (`said`), or the ones it refused."""
    calls = api.called("chat.postEphemeral")
    return [c for c in calls if NOTICE in shown(c) and bool(c.answer.get("ok")) is said]


def _dm_tries(api: SlackApi) -> list[Call]:
    """Tries to post in U2's or U3's DM (U4's works)."""
    return [c for c in api.called("chat.postMessage") if c.args.get("channel") in ("DU2", "DU3")]


def _dm_to(api: SlackApi, channel: str, title: str) -> list[Call]:
    return [
        c
        for c in api.called("chat.postMessage")
        if c.args.get("channel") == channel and title in shown(c)
    ]


async def test_a_person_who_cannot_be_dmed_is_told_why_once_and_not_retried(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes = tmp_path / "notes"
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=("--ingest-every", "0.1")
    ) as bot:
        await wait_for(lambda: len(api.called("chat.postMessage")) >= 1 + len(ENTRIES))
        rlhf = api.called("chat.postMessage")[1]
        await bot.reconciled()  # the 🔔 below is an event only, never added on the stand-in
        await bot.sender.event(reaction_event(channel="C1", ts=rlhf.answer["ts"], user="U2"))
        for user in ("U3", "U4"):  # U4's DMs work: the witness that DM passes ran
            await ask(api, bot.sender, "subscribe tag:rlhf", user=user, channel="C9")
        for user in ("U2", "U3", "U4"):
            await ask(api, bot.sender, "subscriptions cadence instant", user=user)
        api.fail("chat.postMessage", error="channel_not_found", channel="DU2", times=9)
        api.fail("chat.postMessage", error="channel_not_found", channel="DU3", times=9)

        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", NEXT_DAY), "utf-8")
        await wait_for(lambda: _notices(api))
        (told,) = _notices(api)
        assert (told.args["user"], told.args["channel"]) == ("U2", "C1")  # where they reacted
        # Slack's advice for the code that paused the DM, in Korean, to the person (ask an
        # admin), not the channel admin's (the config's channel id); not the log's English
        assert "슬랙에서 봇과의 DM을 찾지 못했습니다: 워크스페이스 관리자에게" in shown(told)
        assert "설정의 채널 id" not in shown(told) and "check the" not in shown(told)
        await wait_for(lambda: _dm_to(api, "DU4", "Scaling Reward Models"))
        await wait_for(lambda: len(_dm_tries(api)) >= 2)  # the DMs go out side by side
        tries = len(_dm_tries(api))
        assert tries == 2  # one try each: a permanent failure pauses at once

        (notes / "2024-10-02.txt").write_text(notes_text("2024-10-02", LATER_DAY), "utf-8")
        await wait_for(lambda: _dm_to(api, "DU4", "RLHF Once More"))
        assert len(_dm_tries(api)) == tries  # paused: not tried again

        api.fail("chat.postEphemeral", error="channel_not_found", channel="C6")
        await ask(api, bot.sender, "tags", user="U3", channel="C6")  # the answer came
        await wait_for(lambda: _notices(api, said=False))  # tried in C6, refused there
        await ask(api, bot.sender, "tags", user="U3", channel="C7")
        await wait_for(lambda: len(_notices(api)) >= 2)
        to_u3 = _notices(api)[1]
        assert (to_u3.args["user"], to_u3.args["channel"]) == ("U3", "C7")  # with the answer
        await ask(api, bot.sender, "tags", user="U3", channel="C7")
        await ask(api, bot.sender, "tags", user="U2", channel="C1")
    assert len(_notices(api)) == 2  # each told once
