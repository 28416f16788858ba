"""The running service as an operator sees it: Slack and Discord on (their stand-ins), secrets
set to values of our own, PostgreSQL with a password in DATABASE_URL. Every log line is JSON
(stderr is a file), the lines of a digest run carry its run id and those of a command its
request id, `/metrics` counted what happened, and no configured secret appears in any line."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from tests.support.cli import REPO_ROOT
from tests.support.databases import PostgresDatabases
from tests.support.discord_standin import Channel, DiscordStandIn, snowflake
from tests.support.scrape import Scrape, scrape_until
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_requests import SlackSender, reaction_event
from tests.support.slack_service import ask, destination, wait_for, write_day

SLACK_TOKEN = "xoxb-4242-e2e-SlackBotToken"
SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
DISCORD_TOKEN = "e2e.DiscordBotToken.xyz"
SECRET_KEY = Fernet.generate_key().decode()
DB_PASSWORD = "e2e-Db-Passw0rd"
PLATFORMS = ("slack", "discord")
SECRETS = (SLACK_TOKEN, SIGNING_SECRET, DISCORD_TOKEN, SECRET_KEY, DB_PASSWORD)


def discord_destination(guild: str, channel: str) -> str:
    return (
        f'[[destinations]]\nplatform = "discord"\nworkspace = "{guild}"\nchannel = "{channel}"\n'
        'schedule = "* * * * * *"\nbackfill = "all"\nlocale = "en"\n'
    )


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", SLACK_TOKEN)
        yield api


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandIn]:
    fake = await DiscordStandIn().start()
    try:
        yield fake
    finally:
        await fake.stop()


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def _scrape_until_both_ran(port: int, limit: float = 60) -> Scrape:
    """`/metrics` once a digest run to Slack and one to Discord have finished."""
    runs = "paperbot_digest_runs_total"
    return await scrape_until(
        port, lambda s: all(s.value(runs, platform=p, outcome="sent") for p in PLATFORMS), limit
    )


async def _ready(port: int, limit: float = 60) -> str:
    """`/readyz` once it answers 200 (Discord's gateway becomes ready in its own time)."""
    async with asyncio.timeout(limit):
        while True:
            status, body = await _get(port, "/readyz")
            if status == 200:
                return body
            await asyncio.sleep(0.2)  # polling the child process's endpoint


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of the log as the JSON object it must be."""
    return [json.loads(line) for line in text.splitlines()]


async def test_logs_are_json_tagged_with_their_work_metrics_count_and_no_secret_shows(
    api: SlackApi,
    standin: DiscordStandIn,
    postgres_databases: PostgresDatabases,
    tmp_path: Path,
) -> None:
    guild, channel = snowflake(), Channel(snowflake(), "")
    channel = Channel(channel.id, guild)
    standin.add_guild(guild, channel)
    notes = tmp_path / "notes"
    write_day(notes)
    config = tmp_path / "paperbot.toml"
    config.write_text(destination("C1") + discord_destination(guild, channel.id), "utf-8")
    log, out = tmp_path / "bot.log", tmp_path / "bot.out"
    async with postgres_databases.fresh() as url:
        database_url = make_url(url).set(password=DB_PASSWORD).render_as_string(False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env.update(
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN=SLACK_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=api.base_url,
            DISCORD_BOT_TOKEN=DISCORD_TOKEN,
            DISCORD_API_BASE_URL=standin.api_base,
            DISCORD_GATEWAY_URL=standin.gateway_url,
            PAPERBOT_SECRET_KEY=SECRET_KEY,
        )
        with open(log, "wb") as stderr, open(out, "wb") as stdout:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--notes-dir", str(notes),
                "--config", str(config), "--http", "127.0.0.1:0", "-vv",
                cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout, stderr=stderr,
            )  # fmt: skip
        try:
            pattern = re.compile(r"metrics on http://127\.0\.0\.1:(\d+)/")
            await wait_for(lambda: pattern.search(log.read_text()), 90)
            found = pattern.search(log.read_text())
            assert found is not None
            port = int(found.group(1))
            await wait_for(lambda: api.called("chat.postMessage"), 90)
            await standin.wait_for(lambda: standin.channel_posts(channel.id), 90)
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
            assert "Reward Models" in json.dumps(await ask(api, sender, "tag:rlhf"))
            await ask(api, sender, "subscribe tag:rlhf")
            event = sender.event_body(reaction_event(), event_id="Ev1")
            assert (await sender.send(event, "application/json")).status == 200
            reaction = {"user_id": "42", "channel_id": channel.id, "message_id": snowflake(),
                        "guild_id": guild, "emoji": {"id": None, "name": "👍"}, "burst": False,
                        "type": 0}  # fmt: skip
            await standin.dispatch("MESSAGE_REACTION_ADD", reaction, guild)

            ready = await _ready(port)
            assert json.loads(ready)["checks"] == dict.fromkeys(
                ("database", "migrations", "scheduler", "slack", "discord"), True
            )
            scraped = await _scrape_until_both_ran(port)
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(60):
                await process.wait()
    text = log.read_text(encoding="utf-8")
    assert process.returncode == 0, text[-3000:]

    kinds = {"slack": "reaction_added", "discord": "reaction_add"}
    for platform in PLATFORMS:
        assert scraped.value("paperbot_events_total", platform=platform, type=kinds[platform]) == 1
        sent = {"platform": platform, "outcome": "sent"}
        assert scraped.value("paperbot_digest_runs_total", **sent) >= 1
        assert scraped.value("paperbot_messages_total", action="post", **sent) >= 1
    assert scraped.value("paperbot_commands_total", platform="slack", reply="results") == 1
    assert scraped.value("paperbot_subscriptions", platform="slack") == 1
    assert scraped.value("paperbot_search_seconds_count") == 1
    assert scraped.value("paperbot_slack_ack_seconds_count") == 2  # the search and subscribe
    assert scraped.value("process_resident_memory_bytes") > 0

    lines = json_lines(text)
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    runs = [line for line in lines if line["logger"].startswith("bot.delivery.runner")]
    assert runs and all("run_id" in line for line in runs)
    posted = [line for line in runs if line["message"].startswith("posted ")]
    assert {line["message"].split(" to ")[1].split(":")[0] for line in posted} >= {
        "slack",
        "discord",
    }
    assert len({line["run_id"] for line in posted}) == len(posted)  # one id per run
    command = [line for line in lines if line["message"].startswith("paper tag:rlhf on slack")]
    assert len(command) == 1 and command[0]["request_id"]
    assert not any("request_id" in line for line in runs)

    started = next(line for line in lines if line["message"].startswith("paperbot 0.1.0 on "))
    assert f"//{make_url(url).username}:<redacted>@" in started["message"]  # where it runs
    everything = text + out.read_text(encoding="utf-8")
    shown = [secret for secret in SECRETS if secret in everything]
    assert shown == []
