"""Discord's settings from the environment, its command hashes in the database, and a process
without Discord variables that never imports discord.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import discord
import pytest

from adapters.discord.client import ClientParts
from adapters.discord.endpoints import Endpoints, apply_endpoints
from adapters.discord.suggest import Corpus, Suggestions
from bot.app import App, paper_command
from bot.errors import ConfigError
from bot.ingest.importer import ingest_paths
from bot.models import Platform
from bot.store.command_hashes import SqlCommandHashes
from bot.wiring.discord import (
    DiscordFactory,
    corpus_loader,
    notes_version,
    paper_services,
    refresh_forever,
    settings_from_env,
)
from tests.support.cli import REPO_ROOT
from tests.support.discord_bot import no_services, running
from tests.support.discord_standin import APP_ID, DiscordStandIn


def test_no_discord_variables_means_no_discord() -> None:
    assert settings_from_env({"PATH": "/bin", "DISCORD_SHARD_COUNT": " "}) is None
    assert DiscordFactory().from_env({}) is None


def test_the_variables_are_read_and_the_token_stays_out_of_repr() -> None:
    settings = settings_from_env(
        {
            "DISCORD_BOT_TOKEN": "secret-token",
            "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gw",
            "DISCORD_SHARD_COUNT": "4",
            "DISCORD_SHARD_IDS": "0, 1",
            "DISCORD_COMMAND_GUILD": "123",
        }
    )
    assert settings is not None
    assert (settings.shard_count, settings.shard_ids, settings.command_guild) == (4, (0, 1), 123)
    assert settings.sharded and "secret-token" not in repr(settings)
    auto = settings_from_env({"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "auto"})
    assert auto is not None and auto.shard_count is None and auto.sharded
    single = settings_from_env({"DISCORD_BOT_TOKEN": "t"})
    assert single is not None and not single.sharded


def test_the_default_endpoints_are_discords_and_apply_to_discord_py(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", "unset")
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", "unset")
    settings = settings_from_env({"DISCORD_BOT_TOKEN": "t"})
    assert settings is not None
    wanted = Endpoints("https://discord.com/api/v10", "wss://gateway.discord.gg/")
    assert Endpoints(settings.api_base, settings.gateway) == Endpoints() == wanted
    apply_endpoints(Endpoints(settings.api_base, settings.gateway))
    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
    assert not wanted.custom_gateway


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DISCORD_SHARD_COUNT": "2"}, "DISCORD_BOT_TOKEN"),
        ({"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT"),
        ({"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT"),
        (  # its lock id overflowed PostgreSQL's bigint when the shards were claimed
            {"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "99999999999999999999"},
            "DISCORD_SHARD_COUNT: '99999999999999999999' is over 4294967295",
        ),
        ({"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_IDS"),
        (
            {"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1, 1"},
            "DISCORD_SHARD_IDS: '1, 1': an id is given twice",
        ),
        (
            {"DISCORD_BOT_TOKEN": "t", "DISCORD_SHARD_COUNT": "auto", "DISCORD_SHARD_IDS": "0"},
            "DISCORD_SHARD_IDS",
        ),
        ({"DISCORD_BOT_TOKEN": "t", "DISCORD_API_BASE_URL": "discord.com"}, "DISCORD_API_BASE_URL"),
        ({"DISCORD_BOT_TOKEN": "t", "DISCORD_GATEWAY_URL": "http://x/"}, "DISCORD_GATEWAY_URL"),
        ({"DISCORD_BOT_TOKEN": "t", "DISCORD_COMMAND_GUILD": "abc"}, "DISCORD_COMMAND_GUILD"),
    ],
)
def test_bad_variables_are_refused_by_name(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as raised:
        settings_from_env(environ)
    assert "t" not in str(raised.value).split() and "secret" not in str(raised.value)


def test_a_process_without_discord_variables_never_imports_discord_py() -> None:
    code = (
        "import sys, bot.cli, bot.cli_run, bot.wiring.registry as r; "
        "r.configured_platforms({}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'discord'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


async def test_an_unchanged_restart_writes_no_commands(app: App, standin: DiscordStandIn) -> None:
    hashes = SqlCommandHashes(app.engine, Platform.DISCORD.value, app.clock)
    for _ in range(2):
        async with running(ClientParts(no_services(), hashes)):
            pass
    assert len(standin.sent("PUT", rf"/applications/{APP_ID}/commands")) == 1
    assert len(standin.identifies) == 2
    again = SqlCommandHashes(app.engine, Platform.DISCORD.value, app.clock)
    assert await again.get("global") is not None and await again.get("guild:1") is None


async def test_two_processes_recording_one_sync_at_once_both_succeed(app: App) -> None:
    """Two shards of one bot start together and both sync the global commands: neither
    record may fail (a failed one stopped that shard's login)."""
    hashes = [SqlCommandHashes(app.engine, Platform.DISCORD.value, app.clock) for _ in range(6)]
    await asyncio.gather(*(h.put("global", f"hash-{i}") for i, h in enumerate(hashes)))
    assert await hashes[0].get("global") in {f"hash-{i}" for i in range(6)}
    await hashes[0].put("global", "changed")
    assert await hashes[1].get("global") == "changed"


async def test_autocomplete_picks_up_what_an_ingest_added(app: App, seeds_dir: Path) -> None:
    loaded = asyncio.Event()
    read = corpus_loader(app)

    async def load() -> Corpus:
        corpus = await read()
        loaded.set()
        return corpus

    suggestions = Suggestions(load)
    services = replace(paper_services(app, paper_command(app)), suggestions=suggestions)
    await suggestions.refresh()
    assert suggestions.choices("rlhf") == []
    task = asyncio.create_task(refresh_forever(services, 0.01, notes_version(app)))
    try:
        await ingest_paths([seeds_dir], app.notes, app.clock)
        async with asyncio.timeout(30):
            while not suggestions.choices("rlhf"):  # a reload may catch a part of the ingest
                loaded.clear()
                await loaded.wait()
    finally:
        task.cancel()
    assert any(c.value == "tag:rlhf" for c in suggestions.choices("rlhf"))
