"""`paperbot run` with Slack on: scheduled digests reach the Web API stand-in through the real
slack_sdk client, corrections edit them in place, failures follow the ledger's policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.real_delivery import Entry
from tests.support.slack_api import Call, SlackApi, slack_api
from tests.support.slack_service import (
    ENTRIES,
    TOKEN,
    destination,
    running_bot,
    wait_for,
    write_day,
)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


async def test_a_threaded_digest_is_posted_then_corrected_in_place(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes = tmp_path / "notes"
    write_day(notes)
    async with running_bot(
        api, tmp_path, database_url, config=destination(), notes=notes,
        extra_args=("--ingest-every", "0.1"),
    ) as bot:  # fmt: skip
        await wait_for(lambda: len(api.called("chat.postMessage")) >= 1 + len(ENTRIES))
        header, *replies = api.called("chat.postMessage")
        assert header.args["channel"] == "C1" and "thread_ts" not in header.args
        parent_ts = header.answer["ts"]
        assert [r.args["thread_ts"] for r in replies] == [parent_ts] * len(ENTRIES)
        assert all(c.token == TOKEN for c in api.calls)
        assert all(p.args["unfurl_links"] is False for p in api.called("chat.postMessage"))
        changed = (
            ENTRIES[0],
            Entry("Sparse Attention at Scale", commentary="고친 코멘트."),
            ENTRIES[2],
        )
        write_day(notes, changed)

        def corrected() -> list[Call]:
            return [u for u in api.called("chat.update") if "고친" in str(u.args["blocks"])]

        await wait_for(corrected, 30)
        (update,) = corrected()
        assert update.args["ts"] == replies[1].answer["ts"] and update.args["channel"] == "C1"
        assert len(api.called("chat.postMessage")) == 1 + len(ENTRIES)  # edited, not reposted
        assert "Slack refused" not in bot.logged()
    assert api.problems == []


async def test_an_inline_digest_is_one_message(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    config = destination(layout="inline")
    async with running_bot(api, tmp_path, database_url, config=config):
        await wait_for(lambda: api.called("chat.postMessage"))
    (post,) = api.called("chat.postMessage")
    assert "thread_ts" not in post.args
    shown = str(post.args["blocks"])
    assert all(e.title.split(" <")[0] in shown for e in ENTRIES)
    assert "&lt;!channel&gt;" in shown  # the title's mention is escaped (the stand-in checks too)
    assert api.problems == []


async def test_429_waits_as_slack_asks_then_sends_once(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    api.fail("chat.postMessage", status=429, retry_after=1)
    config = destination(layout="inline")
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(lambda: len(api.called("chat.postMessage")) >= 2)
        await wait_for(lambda: "posted slot" in bot.logged())  # the runner's, not a migration's
    first, second = api.called("chat.postMessage")
    assert first.answer == {"ok": False, "error": "ratelimited"} and second.answer["ok"]
    assert first.args == second.args
    assert "retrying in 1.0s" in bot.logged()


ADMIN = '[delivery]\nadmin_channel = "slack:T1:CADMIN"\npause_after_failures = 2\n'


async def test_a_permanent_error_pauses_the_channel_and_tells_the_admin_channel(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    api.fail("chat.postMessage", error="not_in_channel", channel="C1", times=1000)
    config = ADMIN + destination(layout="inline")
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(
            lambda: any(c.args["channel"] == "CADMIN" for c in api.called("chat.postMessage"))
        )
        await wait_for(lambda: "paused slack:T1:C1" in bot.logged())
    to_c1 = [c for c in api.called("chat.postMessage") if c.args["channel"] == "C1"]
    assert len(to_c1) == 2  # one try per run (permanent: no retry), paused after 2 runs
    (alert,) = [c for c in api.called("chat.postMessage") if c.args["channel"] == "CADMIN"]
    # The admin channel is not a declared destination: it speaks the default, Korean.
    assert "봇이 #ml-papers 채널에 없습니다" in str(alert.args)
    assert "`/invite @paperbot`" in str(alert.args) and "[not_in_channel]" in str(alert.args)
    assert "<@" not in str(alert.args["blocks"])
    assert api.problems == []


async def test_a_destination_in_another_workspace_than_the_token_fails_permanently(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    config = ADMIN + destination("C9", layout="inline").replace('"T1"', '"T9"')
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(lambda: "paused slack:T9:C9" in bot.logged())
    assert api.called("chat.postMessage")[0].args["channel"] == "CADMIN"  # only the alert
    assert "SLACK_BOT_TOKEN is the bot of workspace T1, not T9" in str(api.calls[-1].args)
