"""`paperbot run` as a process with DISCORD_BOT_TOKEN set, against the stand-in: scheduled
digests in both layouts, a correction edited in place, a 429 waited out, and a channel that
refuses the bot paused with an alert in the admin channel naming the permission."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.scheduling.shards import SHARD_LOCK_BASE, shard_lock_id
from bot.store.engine import make_engine
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.discord_standin import APP_ID, Channel, DiscordStandIn, snowflake
from tests.support.real_delivery import Entry, write_notes

NOTES = [
    Entry("Reward Models Under Pressure", tags=("rlhf",)),
    Entry("Scaling Sparse Experts", tags=("moe",)),
]
EVERY_SECOND = "* * * * * *"
# Waits for another process, not deadlines of the product: a `paperbot run` starting on a loaded
# machine (imports, migrations behind the SQLite lock file, the Discord login) may take a minute.
STARTED, ANSWERED = 240.0, 180.0


def _destination(guild: str, channel: str, layout: str) -> str:
    return f"""
[[destinations]]
platform = "discord"
workspace = "{guild}"
channel = "{channel}"
schedule = "{EVERY_SECOND}"
backfill = "all"
layout = "{layout}"
locale = "en"
"""


async def _start(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_URL"))}
    with open(log, "wb") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args, cwd=REPO_ROOT, env={**full, **env},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip


async def _get(port: int, path: str) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return await response.text()


async def test_the_service_posts_digests_edits_corrections_and_pauses_a_refusing_channel(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    write_notes(notes, NOTES)
    guild = snowflake()
    threaded, inline, denied, admin = (Channel(snowflake(), guild) for _ in range(4))
    standin.add_guild(guild, threaded, inline, denied, admin)
    denied.missing_permission = True
    standin.fail_next("POST", rf"/channels/{threaded.id}/messages", 429, retry_after=0.1)
    config = tmp_path / "paperbot.toml"
    config.write_text(
        f'[delivery]\nadmin_channel = "discord:{guild}:{admin.id}"\npause_after_failures = 2\n'
        + _destination(guild, threaded.id, "thread")
        + _destination(guild, inline.id, "inline")
        + _destination(guild, denied.id, "thread"),
        encoding="utf-8",
    )
    env = {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
    }
    log = tmp_path / "bot.log"
    args = ["--notes-dir", str(notes), "--database-url", database_url, "--config", str(config),
            "--http", "127.0.0.1:0", "--ingest-every", "0.1", "-v"]  # fmt: skip
    process = await _start(args, env, log)
    try:
        await standin.wait_for(lambda: standin.identifies, STARTED)
        await standin.wait_for(lambda: len(standin.channel_posts(inline.id)) == 1, 90)
        header = await standin.wait_for(lambda: standin.channel_posts(threaded.id), 90)
        await standin.wait_for(lambda: len(standin.channel_posts(header[0]["id"])) == 2, 90)
        alert = await standin.wait_for(lambda: standin.channel_posts(admin.id), 90)
        # in the admin channel's language (Korean by default): the advice's channel mention and
        # permission names are Discord markup, the rest escaped (\[50013\] shows as [50013])
        shown = alert[0]["embeds"][0]["description"]
        assert "\\[50013\\]" in shown and "`Send Messages`" in shown, shown
        assert f"<#{denied.id}> ({denied.id})" in shown, shown
        assert standin.sent("PUT", rf"/applications/{APP_ID}/commands")
        tries = [r.status for r in standin.sent("POST", rf"/channels/{threaded.id}/messages")]
        assert tries == [429, 200], tries
        write_notes(notes, [NOTES[0], replace(NOTES[1], commentary="고친 코멘트입니다.")])
        edited = await standin.wait_for(
            lambda: [m for m in standin.channel_posts(header[0]["id"]) if m["edited_timestamp"]],
            90,
        )
        assert "고친 코멘트" in str(edited[0]["embeds"])
        # paused after 2 failed runs; runs already started when the pause landed may add a
        # try (the exact count is pinned in test_digests.py, where runs are not concurrent)
        refused = standin.sent("POST", rf"/channels/{denied.id}/messages")
        assert len(refused) >= 2 and all(r.status == 403 for r in refused)
        found = re.search(r"health and metrics on http://127\.0\.0\.1:(\d+)/", log.read_text())
        assert found is not None
        port = int(found[1])
        ready, metrics = await _get(port, "/readyz"), await _get(port, "/metrics")
        assert '"discord": true' in ready
        assert 'paperbot_messages_total{action="post",outcome="sent",platform="discord"}' in metrics
        # a reaction on the digest's header reaches the core, which knows the message
        event = {"user_id": "42", "channel_id": threaded.id, "message_id": header[0]["id"],
                 "guild_id": guild, "emoji": {"id": None, "name": "👍"}, "burst": False,
                 "type": 0}  # fmt: skip
        await standin.dispatch("MESSAGE_REACTION_ADD", event, guild)
        recorded = 'paperbot_reactions_total{outcome="recorded",platform="discord"} 1'
        async with asyncio.timeout(30):
            while True:
                if recorded in await _get(port, "/metrics"):
                    break
                await asyncio.sleep(0.1)  # polling the child process's endpoint
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]
    assert standin.problems == []
    assert "test-token.abc" not in log.read_text()


async def test_a_discord_destination_without_a_token_stops_the_start(
    database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "paperbot.toml"
    config.write_text(_destination("1", "2", "thread"), encoding="utf-8")
    result = await run_cli("run", "--database-url", database_url, "--config", str(config))
    assert result.code == 2
    assert "destinations[0].platform" in result.err and "DISCORD_BOT_TOKEN" in result.err


async def test_two_processes_each_run_one_shard_and_the_digest_goes_out_once(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    # Sharding is what this test is about: Discord's 3 s for a first response (and the defer
    # that keeps it) are pinned in test_deadline.py; here a process starved for 3 s by a
    # loaded machine must not turn a correct answer into 10062
    standin.deadline = 120.0
    notes = tmp_path / "notes"
    notes.mkdir()
    write_notes(notes, NOTES)
    base = int(snowflake())
    even = str(base - (base >> 22) % 2 * (1 << 22))  # (id >> 22) % 2 == 0: shard 0
    odd = str(int(even) + (1 << 22))  # shard 1
    standin.add_guild(even)
    standin.add_guild(odd)
    # a digest channel in each shard's guild: whichever process leads, one of them is in a
    # guild whose shard it does not hold, and gets its digest over REST all the same
    digest_channels = [standin.guilds[even][0], standin.guilds[odd][0]]
    config = tmp_path / "paperbot.toml"
    config.write_text(
        _destination(even, digest_channels[0], "inline")
        + _destination(odd, digest_channels[1], "inline"),
        encoding="utf-8",
    )
    common = {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
        "DISCORD_SHARD_COUNT": "2",
    }
    args = ["--notes-dir", str(notes), "--database-url", database_url, "--config", str(config),
            "--http", "off", "-v"]  # fmt: skip
    logs = [tmp_path / "shard0.log", tmp_path / "shard1.log"]
    processes = [
        await _start(args, {**common, "DISCORD_SHARD_IDS": str(i)}, logs[i]) for i in (0, 1)
    ]
    try:
        await standin.wait_for(lambda: len(standin.identifies) >= 2, STARTED)
        # one session each (a third IDENTIFY fails here, not as a timeout of the wait)
        assert sorted(tuple(i["shard"]) for i in standin.identifies) == [(0, 2), (1, 2)]
        for guild in (even, odd):
            data = {"id": snowflake(), "name": "paper", "type": 1,
                    "options": [{"name": "query", "type": 3, "value": "tag:rlhf"}]}  # fmt: skip
            # dispatched on the connection of the guild's shard, i.e. to the process holding it
            asked = await standin.interact(2, data, channel_id=standin.guilds[guild][0])
            await standin.wait_for(lambda a=asked: a.complete, ANSWERED)  # type: ignore[misc]
        for channel in digest_channels:
            await standin.wait_for(lambda c=channel: standin.channel_posts(c), ANSWERED)  # type: ignore[misc]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            for process in processes:
                await process.wait()
    assert [p.returncode for p in processes] == [0, 0], logs[0].read_text()[-2000:]
    assert [len(standin.channel_posts(c)) for c in digest_channels] == [1, 1]
    assert standin.problems == []


async def _until(check: Callable[[], Awaitable[bool]], limit: float) -> None:
    """Poll `check` (another process's log or endpoint) until it holds."""
    async with asyncio.timeout(limit):
        while True:
            if await check():
                return
            await asyncio.sleep(0.2)  # polling the child process's log or endpoint


def _port(log: Path) -> int | None:
    found = re.search(r"health and metrics on http://127\.0\.0\.1:(\d+)/", log.read_text())
    return None if found is None else int(found[1])


async def _logged(log: Path, line: str) -> bool:
    return line in log.read_text()


async def _discord_ready(log: Path) -> bool:
    port = _port(log)
    return port is not None and '"discord": true' in await _get(port, "/readyz")


RUNNING, WAITING = "running Discord shards 0, 1 (of 2)", "waiting for Discord shards 0, 1 (of 2)"


def _two_shards(
    standin: DiscordStandIn, database_url: str, tmp_path: Path, shard_ids: str = ""
) -> tuple[dict[str, str], list[str]]:
    """The environment and arguments of a replica wanting shards 0 and 1 of 2 (given, or all
    of the count), serving `/readyz` on a free port."""
    notes = tmp_path / "notes"
    notes.mkdir(exist_ok=True)
    write_notes(notes, NOTES)
    env = {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
        "DISCORD_SHARD_COUNT": "2",
        **({"DISCORD_SHARD_IDS": shard_ids} if shard_ids else {}),
    }
    args = ["--notes-dir", str(notes), "--database-url", database_url,
            "--http", "127.0.0.1:0", "-v"]  # fmt: skip
    return env, args


@pytest.mark.parametrize("shard_ids", ["", "0,1"], ids=["all-of-the-count", "same-ids"])
async def test_replicas_with_the_same_env_run_each_shard_once_and_a_standby_takes_over(
    standin: DiscordStandIn, postgres_url: str, tmp_path: Path, shard_ids: str
) -> None:
    # PostgreSQL only: SQLite is one process, which runs its shards at once (the tests above)
    database_url = postgres_url
    env, args = _two_shards(standin, database_url, tmp_path, shard_ids)
    logs = [tmp_path / f"{name}.log" for name in "abc"]
    processes = [await _start(args, env, log) for log in logs[:2]]
    shards = [(0, 2), (1, 2)]
    try:
        # both ready: the holder's gateway is connected, the other stands by while it runs them
        for log in logs[:2]:
            await _until(lambda log=log: _discord_ready(log), STARTED)  # type: ignore[misc]
        assert sorted(tuple(i["shard"]) for i in standin.identifies) == shards
        texts = [log.read_text() for log in logs[:2]]
        holder = next(i for i in (0, 1) if RUNNING in texts[i])
        standby = 1 - holder
        assert WAITING in texts[standby] and RUNNING not in texts[standby]
        processes[holder].kill()  # SIGKILL: its session ends without a word
        await processes[holder].wait()
        # the standby's next try takes both shards (a few seconds; the bound is for a loaded box)
        await standin.wait_for(lambda: len(standin.identifies) >= 4, 90)
        assert sorted(tuple(i["shard"]) for i in standin.identifies[2:]) == shards
        assert RUNNING in logs[standby].read_text()
        # a third replica stands by; the running one stopped (SIGTERM) hands the shards to it
        processes.append(await _start(args, env, logs[2]))
        await _until(lambda: _discord_ready(logs[2]), STARTED)
        assert WAITING in logs[2].read_text() and len(standin.identifies) == 4
        processes[standby].send_signal(signal.SIGTERM)
        await standin.wait_for(lambda: len(standin.identifies) >= 6, 90)
        assert sorted(tuple(i["shard"]) for i in standin.identifies[4:]) == shards
        await _until(lambda: _discord_ready(logs[2]), 30)
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            for process in processes:
                await process.wait()
    assert processes[standby].returncode == 0, logs[standby].read_text()[-3000:]
    assert processes[2].returncode == 0, logs[2].read_text()[-3000:]
    assert len(standin.identifies) == 6
    assert standin.problems == []


async def test_a_process_whose_shards_another_session_took_disconnects_and_stands_by(
    standin: DiscordStandIn, postgres_url: str, tmp_path: Path
) -> None:
    # PostgreSQL only: SQLite is one process, so nobody else can take its shards
    database_url = postgres_url
    env, args = _two_shards(standin, database_url, tmp_path)
    log = tmp_path / "bot.log"
    process = await _start(args, env, log)
    engine = make_engine(database_url)
    try:
        await standin.wait_for(lambda: len(standin.identifies) >= 2, STARTED)
        async with engine.connect() as other:  # another process's claim, taken the moment
            other = await other.execution_options(isolation_level="AUTOCOMMIT")
            await other.execute(  # the bot's claim session ends (a database restart, a proxy)
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid = :high AND pid <> pg_backend_pid()"
                ),
                {"high": SHARD_LOCK_BASE >> 32},
            )
            for shard in (0, 1):  # waits for the dying session to let go
                await other.execute(
                    text("SELECT pg_advisory_lock(:id)"), {"id": shard_lock_id(shard)}
                )
            # the bot notices at its next check and closes its gateway: no second session
            await standin.wait_for(lambda: all(c.ws.closed for c in standin.connections), 60)
            await _until(lambda: _logged(log, WAITING), 30)
            assert "were taken by another process" in log.read_text()
            assert len(standin.identifies) == 2
            for shard in (0, 1):
                await other.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": shard_lock_id(shard)}
                )
        # the other session gave them up: the standby takes them again
        await standin.wait_for(lambda: len(standin.identifies) >= 4, 60)
        assert sorted(tuple(i["shard"]) for i in standin.identifies[2:]) == [(0, 2), (1, 2)]
    finally:
        await engine.dispose()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]
    assert standin.problems == []
