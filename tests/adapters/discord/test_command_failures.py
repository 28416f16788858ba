"""`/paper` commands and button clicks the core fails on, dispatched by the stand-in's gateway to
the real discord.py client over the real command core: the database cut (a TCP proxy in front of
PostgreSQL that the test closes), a table it reads renamed away, a connection cut while the core
waits on a lock past the defer threshold. Each is answered privately with paperbot's apology
(`error.internal`) in the interaction's language, never Discord's "The application did not
respond", a "thinking…" that never ends, or "This interaction failed"; the exception is logged
once with the interaction's id and never shown."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.discord.client import ClientParts
from bot.app import open_app
from bot.ingest.importer import ingest_paths
from bot.store.engine import make_engine
from tests.support.clock import FixedClock
from tests.support.databases import break_table
from tests.support.discord_bot import running
from tests.support.discord_paper import Bot, bot_parts, custom_ids, texts
from tests.support.discord_standin import LOADED_DEADLINE, MANAGE_GUILD, DiscordStandIn, Interaction
from tests.support.tcp_proxy import proxied

EPHEMERAL = 64
KOREAN = "내부 오류가 났습니다. 자세한 내용은 로그에 있습니다."
ENGLISH = "Something went wrong on our side; the log has the details."
PATIENT = LOADED_DEADLINE / 4  # a `defer_after` no failing core call here comes near


@contextlib.asynccontextmanager
async def bot_on(
    url: str, standin: DiscordStandIn, seeds_dir: Path, defer_after: float = PATIENT
) -> AsyncIterator[Bot]:
    """The client over the real core on `url` (the seed notes in it), in a guild's channel."""
    async with open_app(url, clock=FixedClock()) as app:
        await ingest_paths([seeds_dir], app.notes, app.clock)
        made = bot_parts(app)
        parts = ClientParts(replace(made.services, defer_after=defer_after), made.hashes)
        guild = standin.add_guild()
        async with running(parts) as client:
            yield Bot(standin, parts, standin.guilds[guild][0], client)
    assert standin.problems == []


def apology(asked: Interaction) -> str:
    """The private answer's text, once checked to be the apology alone (no exception text)."""
    shown = texts(asked.message())
    assert asked.message().get("flags", 0) & EPHEMERAL, asked.message()
    assert shown.replace("⚠️", "").strip() in (KOREAN, ENGLISH), shown
    return shown


def logged_once(caplog: pytest.LogCaptureFixture, asked: Interaction) -> None:
    """One error record names the interaction, with the exception attached."""
    named = [r for r in caplog.records if asked.id in r.getMessage()]
    assert [r.levelno for r in named] == [logging.ERROR], [r.getMessage() for r in named]
    assert named[0].exc_info is not None


async def test_commands_with_the_database_cut_get_the_apology_as_their_first_response(
    postgres_url: str,
    standin: DiscordStandIn,
    seeds_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with (
        proxied(postgres_url) as (through, proxy),
        bot_on(through, standin, seeds_dir) as bot,
    ):
        found = await bot.answered(await bot.paper("tag:rlhf"))
        key = next(c for c in custom_ids(found) if c.startswith("paper:share:")).split(":", 2)[2]
        await proxy.close()  # the database goes away: every core call fails
        for query in ("channel show", "tag:rlhf", "가중치 평균", f"id:{key}", f"share id:{key}"):
            asked = await bot.paper(query, permissions=MANAGE_GUILD)
            await bot.answered(asked)
            assert [c["type"] for c in asked.callbacks] == [4], (query, asked.callbacks)
            assert asked.callbacks[0]["data"]["flags"] == EPHEMERAL, query
            assert asked.followups == [] and asked.edits == []
            assert KOREAN in apology(asked), query
            logged_once(caplog, asked)
        await proxy.open()
        again = await bot.answered(await bot.paper("tag:rlhf"))  # back: it answers again
        assert "rlhf" in texts(again) and KOREAN not in texts(again)


@pytest.mark.parametrize("defer_after", [PATIENT, 0.0], ids=["at once", "deferred"])
async def test_a_command_reading_a_renamed_table_gets_the_english_apology(
    database_url: str,
    standin: DiscordStandIn,
    seeds_dir: Path,
    caplog: pytest.LogCaptureFixture,
    defer_after: float,
) -> None:
    """en-US picks English; deferred (`defer_after` 0: every answer is), the apology is the
    deferred message's content (an edit of `@original`), not a second message."""
    async with bot_on(database_url, standin, seeds_dir, defer_after) as bot:
        await break_table(database_url, "destinations")  # the store answers errors for it
        asked = await bot.paper("channel show", locale="en-US", permissions=MANAGE_GUILD)
        await bot.answered(asked)
        if defer_after:
            assert [c["type"] for c in asked.callbacks] == [4] and not asked.edits
        else:
            assert asked.callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
            assert len(asked.edits) == 1 and asked.followups == []
        assert ENGLISH in apology(asked)
        logged_once(caplog, asked)
        found = await bot.answered(await bot.paper("tag:rlhf", locale="en-US"))
        assert "rlhf" in texts(found) and ENGLISH not in texts(found)  # the rest answers on


async def test_a_command_deferred_then_cut_off_gets_the_apology_in_its_deferred_message(
    postgres_url: str,
    standin: DiscordStandIn,
    seeds_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The core waits on a lock past the defer threshold (1 s, as in production), the answer is
    deferred ("thinking…"), then the core's connection is cut: the apology replaces the
    "thinking…" (`@original`)."""
    async with (
        proxied(postgres_url) as (through, proxy),
        bot_on(through, standin, seeds_dir, defer_after=1.0) as bot,
    ):
        engine = make_engine(postgres_url)  # not through the proxy: the lock outlives the cut
        try:
            async with engine.connect() as holder:
                await holder.execute(text("LOCK TABLE destinations IN ACCESS EXCLUSIVE MODE"))
                # the first read of the chat-set destinations (the catalogue keeps them after)
                asked = await bot.paper("channel show", permissions=MANAGE_GUILD)
                await standin.wait_for(lambda: asked.callbacks, LOADED_DEADLINE)
                assert asked.callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
                assert not asked.complete  # still waiting on the lock
                await proxy.close()
                await bot.answered(asked)
                await holder.rollback()
        finally:
            await engine.dispose()
        assert len(asked.edits) == 1 and asked.followups == []
        assert KOREAN in apology(asked)
        logged_once(caplog, asked)
        await proxy.open()


async def test_clicks_with_the_database_cut_get_the_apology_privately(
    postgres_url: str,
    standin: DiscordStandIn,
    seeds_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Next, Share and Full note on a results message: each gets a new private message (the
    results stay as they were), in English for an en-US client."""
    async with (
        proxied(postgres_url) as (through, proxy),
        bot_on(through, standin, seeds_dir) as bot,
    ):
        found = await bot.answered(await bot.paper("tag:llm,alignment,benchmark", locale="en-US"))
        buttons = [
            next(c for c in custom_ids(found) if c.startswith(f"paper:{action}:"))
            for action in ("page", "share", "full")
        ]
        await proxy.close()
        for custom_id in buttons:
            clicked = await bot.click(found, custom_id, locale="en-US")
            await bot.answered(clicked)
            assert [c["type"] for c in clicked.callbacks] == [4], (custom_id, clicked.callbacks)
            reply = clicked.callbacks[0]["data"]
            assert reply["flags"] == EPHEMERAL, custom_id
            assert clicked.edits == [] and clicked.followups == []  # the results stay
            assert ENGLISH in apology(clicked), (custom_id, reply)
            logged_once(caplog, clicked)
        await proxy.open()


async def test_clicks_deferred_then_failing_get_the_apology_without_losing_the_results(
    database_url: str,
    standin: DiscordStandIn,
    seeds_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every answer deferred (`defer_after` 0), the notes table renamed away: Next's deferred
    update is followed by a private apology (the results are not edited), Full note's deferred
    "thinking…" becomes the apology."""
    async with bot_on(database_url, standin, seeds_dir, defer_after=0.0) as bot:
        found = await bot.answered(await bot.paper("tag:llm,alignment,benchmark"))
        page, full = (
            next(c for c in custom_ids(found) if c.startswith(f"paper:{action}:"))
            for action in ("page", "full")
        )
        await break_table(database_url, "notes")  # the store answers errors for it
        turned = await bot.click(found, page)
        await bot.answered(turned)
        assert turned.callbacks == [{"type": 6}] and turned.edits == []
        (followup,) = turned.followups
        assert followup["flags"] == EPHEMERAL and KOREAN in texts(followup), followup
        logged_once(caplog, turned)
        opened = await bot.click(found, full)
        await bot.answered(opened)
        assert opened.callbacks == [{"type": 5, "data": {"flags": EPHEMERAL}}]
        assert len(opened.edits) == 1 and opened.followups == []
        assert KOREAN in apology(opened)
        logged_once(caplog, opened)
