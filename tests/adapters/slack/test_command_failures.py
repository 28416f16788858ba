"""`/paper` commands the core fails on, sent to the real `paperbot run` (Bolt on its aiohttp
server): acknowledged 200, and the asker alone gets paperbot's apology (`error.internal`) in the
channel's language, else the default (ko), never an English line or Slack's own failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.engine import make_engine
from tests.support.databases import PostgresDatabases, break_table
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_service import TOKEN, ask, destination, posted_to, running_bot, wait_for
from tests.support.slack_validation import slack_texts
from tests.support.tcp_proxy import proxied

ENGLISH = destination(schedule="0 0 1 1 *") + 'locale = "en"\n'


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


async def test_a_command_failing_with_the_database_gone_gets_the_default_languages_apology(
    api: SlackApi, postgres_databases: PostgresDatabases, tmp_path: Path, seeds_dir: Path
) -> None:
    async with (
        postgres_databases.fresh() as url,
        proxied(url) as (through, proxy),
        running_bot(api, tmp_path, through, notes=seeds_dir) as bot,
    ):
        await ask(api, bot.sender, "subscriptions")
        await proxy.close()  # the database goes away: the command's core call fails
        said = await ask(api, bot.sender, "subscriptions")
        assert said["response_type"] == "ephemeral", said
        shown = "\n".join(slack_texts(said))
        assert "내부 오류가 났습니다" in shown, shown  # the language cannot be read either
        assert "Sorry" not in shown
        await wait_for(lambda: "/paper 'subscriptions' failed" in bot.logged())
        await proxy.open()
    assert api.problems == []


async def test_a_command_failing_in_an_english_channel_gets_the_english_apology(
    api: SlackApi, tmp_path: Path, database_url: str, seeds_dir: Path
) -> None:
    async with running_bot(api, tmp_path, database_url, config=ENGLISH, notes=seeds_dir) as bot:
        await break_table(database_url, "subscriptions")  # the store answers errors for it
        said = await ask(api, bot.sender, "subscriptions")
        assert said["response_type"] == "ephemeral", said
        shown = "\n".join(slack_texts(said))
        assert "Something went wrong on our side; the log has the details." in shown, shown
        await wait_for(lambda: "/paper 'subscriptions' failed" in bot.logged())
        found = await ask(api, bot.sender, "model")  # what does not read it answers on
        assert "Something went wrong" not in "\n".join(slack_texts(found))
    assert api.problems == []


async def test_a_command_failing_after_the_ack_budget_gets_the_apology_through_response_url(
    api: SlackApi, postgres_databases: PostgresDatabases, tmp_path: Path, seeds_dir: Path
) -> None:
    """The core waits on a lock past the 2 s ack, then its connection is cut: the empty ack
    came in time, the apology follows through the command's response_url."""
    async with (
        postgres_databases.fresh() as url,
        running_bot(api, tmp_path, url, config=ENGLISH, notes=seeds_dir) as bot,
    ):
        await ask(api, bot.sender, "subscriptions")
        engine = make_engine(url)
        try:
            async with engine.connect() as holder:
                await holder.execute(text("LOCK TABLE subscriptions IN ACCESS EXCLUSIVE MODE"))
                reply_to = api.response_url()
                acked = await bot.sender.command("subscriptions", response_url=reply_to)
                assert acked.status == 200 and acked.text == ""  # the ack budget passed
                waiting = text(  # the asker's own list (a digest's scan of all may wait too)
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    " AND query LIKE '%subscriptions.user_id = $%'"
                )
                async with engine.connect() as killer:
                    assert (await killer.execute(waiting)).scalars().all() == [True]
                await holder.rollback()
        finally:
            await engine.dispose()
        said = (await posted_to(api, reply_to)).args
        assert said["response_type"] == "ephemeral", said
        shown = "\n".join(slack_texts(said))
        assert "Something went wrong on our side; the log has the details." in shown, shown
        await wait_for(lambda: "/paper 'subscriptions' failed" in bot.logged())
    assert api.problems == []
