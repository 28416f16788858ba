"""Digests through the real delivery ledger and renderer, over discord.py, to the stand-in:
both layouts with threads, a forum channel, corrections, a 429 and permanent errors."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from adapters.discord.client import ClientParts
from adapters.discord.errors import Action, delivery_error
from adapters.discord.transport import DiscordTransport
from bot.app import App
from bot.delivery.config import DeliveryConfig
from bot.delivery.policy import RetryPolicy
from bot.delivery.publisher import Route
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery, build_delivery
from bot.digest.build import Backfill
from bot.digest.settings import DestinationSettings
from bot.models import Destination, Layout, Platform
from bot.replies import Text
from formatters.discord_embeds import DiscordRenderer
from formatters.i18n import LOCALES, catalogue
from tests.formatters.language import foreign_words
from tests.support.clock import FixedClock
from tests.support.discord_bot import MemoryHashes, no_services, running
from tests.support.discord_standin import (
    CHANNEL_FORUM,
    Channel,
    DiscordStandIn,
    snowflake,
)
from tests.support.real_delivery import Entry, ingest, write_notes
from tests.support.sleep import VirtualSleep

NOTES = [
    Entry("Reward Models Under Pressure", tags=("rlhf",)),
    Entry("Scaling Sparse Experts", tags=("moe", "scaling")),
    Entry("Agents That Plan", tags=("agents",)),
]


@pytest.fixture
async def bot(standin: DiscordStandIn) -> AsyncIterator[ClientParts]:
    parts = ClientParts(no_services(), MemoryHashes())
    async with running(parts):
        yield parts


def wire(
    app: App, clock: FixedClock, client: ClientParts, bot_http: object, alerts: list[Text]
) -> Delivery:
    async def admin(text: Text) -> None:
        alerts.append(text)

    transport = DiscordTransport(bot_http, client.logged_in)  # type: ignore[arg-type]
    return build_delivery(
        app.engine,
        routes={Platform.DISCORD: Route(DiscordRenderer(), transport)},
        clock=clock,
        sleep=VirtualSleep(clock),
        policy=RetryPolicy(max_attempts=2, rng=random.Random(1)),
        config=DeliveryConfig(pause_after_failures=2),
        notes=app.notes,
        admin_message=admin,
    )


def destination(guild: str, channel: str, **settings: object) -> DestinationSettings:
    where = Destination(Platform.DISCORD, guild, channel, name="papers", locale="en")
    return DestinationSettings(destination=where, backfill=Backfill.ALL, **settings)  # type: ignore[arg-type]


@pytest.fixture
async def delivery(
    app: App, clock: FixedClock, tmp_path: Path, standin: DiscordStandIn
) -> AsyncIterator[tuple[Delivery, list[Text]]]:
    parts = ClientParts(no_services(), MemoryHashes())
    alerts: list[Text] = []
    async with running(parts) as client:
        wired = wire(app, clock, parts, lambda: client.http, alerts)
        write_notes(tmp_path, NOTES)
        await ingest(tmp_path, wired)
        yield wired, alerts


async def test_thread_layout_posts_a_header_then_the_notes_in_its_thread(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    (header,) = standin.channel_posts(channel)
    (thread,) = standin.threads
    assert thread["message"] == header["id"] and "2024-09-20" in thread["name"]
    replies = standin.channel_posts(header["id"])  # the thread has the header's id
    assert [r["embeds"][0]["title"] for r in replies] == [n.title for n in NOTES]
    posts = standin.sent("POST", r"/channels/\d+/messages")
    assert all(p.body["allowed_mentions"] == {"parse": []} for p in posts)
    assert all(len(p.body["nonce"]) <= 25 and p.body["enforce_nonce"] for p in posts)
    assert standin.problems == []


async def test_inline_layout_packs_everything_into_the_channel(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    settings = destination(guild, channel, layout=Layout.INLINE)
    assert await wired.runner.run(settings, "slot:1") is RunOutcome.SENT
    (message,) = standin.channel_posts(channel)
    assert len(message["embeds"]) == 1 + len(NOTES)
    assert standin.threads == [] and standin.problems == []


async def test_a_correction_edits_the_posted_message(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn, tmp_path: Path
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    header = standin.channel_posts(channel)[0]
    fixed = [NOTES[0], replace(NOTES[1], commentary="고친 코멘트입니다."), NOTES[2]]
    write_notes(tmp_path, fixed)
    await ingest(tmp_path, wired)
    edits = standin.sent("PATCH", r"/channels/\d+/messages/\d+")
    assert edits and all(e.status == 200 for e in edits)
    edited = {e.path.rsplit("/", 1)[1] for e in edits}
    second = standin.channel_posts(header["id"])[1]
    assert second["id"] in edited and "고친 코멘트" in second["embeds"][0]["description"]
    assert second["edited_timestamp"] is not None
    assert standin.problems == []


async def test_a_correction_in_a_thread_that_archived_itself_unarchives_it_and_edits(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn, tmp_path: Path
) -> None:
    """A thread archives itself after a day without messages; Discord then refuses edits in it
    with 50083 until it is unarchived (a correction days later is the common case)."""
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    thread = standin.channel_posts(channel)[0]["id"]  # the thread has the header's id
    standin.fail_next("PATCH", rf"/channels/{thread}/messages/\d+", 400, code=50083)
    write_notes(tmp_path, [NOTES[0], replace(NOTES[1], commentary="고친 코멘트입니다."), NOTES[2]])
    await ingest(tmp_path, wired)
    asked = [(r.method, r.path, r.status) for r in standin.requests if r.method == "PATCH"]
    assert asked[0][2] == 400 and asked[1] == ("PATCH", f"/channels/{thread}", 200)
    assert standin.sent("PATCH", rf"/channels/{thread}")[0].body == {"archived": False}
    assert asked[2][:2] == asked[0][:2] and asked[2][2] == 200  # the same edit, taken now
    second = standin.channel_posts(thread)[1]
    assert "고친 코멘트" in second["embeds"][0]["description"]
    assert standin.problems == []


async def test_a_forum_channel_gets_a_post_titled_by_the_day_with_matching_tags(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    tags = [
        {"id": snowflake(), "name": n, "moderated": False} for n in ("RLHF", "agents", "vision")
    ]
    forum = Channel(snowflake(), None, CHANNEL_FORUM, "paper-forum", available_tags=tags)
    guild = standin.add_guild(None, forum)
    assert await wired.runner.run(destination(guild, forum.id), "slot:1") is RunOutcome.SENT
    (post,) = standin.threads
    assert "2024-09-20" in post["name"]
    assert set(post["applied_tags"]) == {tags[0]["id"], tags[1]["id"]}
    replies = standin.channel_posts(post["thread"])
    assert len(replies) == 1 + len(NOTES)  # the starter message, then one per note
    assert standin.problems == []


async def test_a_429_is_waited_out_and_the_digest_goes_out_once(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.fail_next("POST", rf"/channels/{channel}/messages", 429, retry_after=0.05, times=2)
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    tries = standin.sent("POST", rf"/channels/{channel}/messages")
    assert [t.status for t in tries] == [429, 429, 200]
    assert len(standin.channel_posts(channel)) == 1


async def test_a_long_rate_limit_reaches_the_ledger_as_retry_after(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.fail_next("POST", rf"/channels/{channel}/messages", 429, retry_after=120.0)
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    tries = standin.sent("POST", rf"/channels/{channel}/messages")
    assert [t.status for t in tries] == [429, 200]  # discord.py raised, the ledger retried


async def test_a_5xx_is_retried_by_the_ledger(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.fail_next("POST", rf"/channels/{channel}/messages", 503)
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    assert [t.status for t in standin.sent("POST", rf"/channels/{channel}/messages")][:2] == [
        503,
        200,
    ]


@pytest.mark.parametrize(
    "failure",
    [TimeoutError("timed out"), aiohttp.ServerDisconnectedError(), ConnectionResetError()],
)
def test_a_timeout_or_a_dropped_connection_is_left_to_the_ledgers_retry(
    failure: BaseException,
) -> None:
    error = delivery_error(failure, "123", Action.POST)
    assert error is not None and error.retryable and error.retry_after is None


@pytest.mark.parametrize(
    ("status", "code", "name"),
    [(403, 50001, "Missing Access"), (404, 10003, "Unknown Channel"),
     (413, 40005, "Request entity too large")],
)  # fmt: skip
async def test_refusals_a_retry_cannot_change_fail_the_run_at_once(
    delivery: tuple[Delivery, list[Text]],
    standin: DiscordStandIn,
    status: int,
    code: int,
    name: str,
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.fail_next("POST", rf"/channels/{channel}/messages", status, code=code)
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.FAILED
    assert len(standin.sent("POST", rf"/channels/{channel}/messages")) == 1  # not retried
    (run,) = await wired.ledger.recent_runs()
    assert run.error is not None and f"{name} ({code})" in run.error


async def test_missing_permissions_pause_the_destination_and_the_alert_names_them(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, alerts = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.channels[channel].missing_permission = True
    settings = destination(guild, channel)
    assert await wired.runner.run(settings, "slot:1") is RunOutcome.FAILED
    assert alerts == []
    assert await wired.runner.run(settings, "slot:2") is RunOutcome.FAILED
    (alert,) = alerts
    assert alert.key == "alert.paused_advice" and alert.params["code"] == "50013"
    said = {locale: catalogue().text(locale, alert) for locale in LOCALES}
    assert "grant it `View Channel`, `Send Messages`, `Embed Links` there" in said["en"]
    assert "`Send Messages`" in said["ko"] and "권한을 주세요" in said["ko"]
    for locale, text in said.items():
        assert f"<#{channel}> ({channel})" in text and "[50013]" in text
        assert foreign_words(catalogue().text(locale, alert.params["advice"]), locale) == []
    state = await wired.destinations.state(settings.key)
    assert "Missing Permissions (50013)" in state.pause_reason  # the log's English, as before
    assert await wired.runner.run(settings, "slot:3") is RunOutcome.SKIPPED  # paused
    assert len(standin.sent("POST", rf"/channels/{channel}/messages")) == 2


async def test_a_failed_thread_start_retries_without_a_second_header(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    standin.fail_next("POST", rf"/channels/{channel}/messages/\d+/threads", 503)
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    assert len(standin.sent("POST", rf"/channels/{channel}/messages")) == 2  # the retry
    (header,) = standin.channel_posts(channel)  # the nonce: the same message came back
    assert [t["message"] for t in standin.threads] == [header["id"]]
    assert len(standin.channel_posts(header["id"])) == len(NOTES)


async def test_an_inline_digest_in_a_forum_stays_in_one_post(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn, tmp_path: Path
) -> None:
    wired, _ = delivery
    write_notes(tmp_path, [Entry(f"Paper Number {n}", tags=("rlhf",)) for n in range(12)])
    await ingest(tmp_path, wired)
    forum = Channel(snowflake(), None, CHANNEL_FORUM, "paper-forum")
    guild = standin.add_guild(None, forum)
    settings = destination(guild, forum.id, layout=Layout.INLINE)
    assert await wired.runner.run(settings, "slot:1") is RunOutcome.SENT
    (post,) = standin.threads
    messages = standin.channel_posts(post["thread"])
    assert len(messages) == 2  # 13 embeds: the starter message and one more, in the post
    assert sum(len(m["embeds"]) for m in messages) == 1 + 12
    assert standin.problems == []


async def test_a_retraction_edits_the_papers_follow_button_away(
    delivery: tuple[Delivery, list[Text]], standin: DiscordStandIn, tmp_path: Path
) -> None:
    wired, _ = delivery
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    assert await wired.runner.run(destination(guild, channel), "slot:1") is RunOutcome.SENT
    header = standin.channel_posts(channel)[0]
    before = standin.channel_posts(header["id"])[1]
    assert before["components"][0]["components"][0]["custom_id"].startswith("paper:follow:")
    write_notes(tmp_path, [NOTES[0], NOTES[2]])  # the second paper is retracted
    await ingest(tmp_path, wired)
    after = standin.channel_posts(header["id"])[1]
    assert after["edited_timestamp"] is not None and after["components"] == []
    assert standin.problems == []
