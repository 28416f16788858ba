"""`paperbot discord sync`: forces a command write, globally or to one guild, and records the
hash so the next start writes nothing."""

from __future__ import annotations

import socket

from tests.support.cli import run_cli
from tests.support.discord_standin import APP_ID, DiscordStandIn


def _env(standin: DiscordStandIn) -> dict[str, str]:
    return {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
    }


async def test_sync_writes_the_commands_every_time_it_is_asked(
    standin: DiscordStandIn, database_url: str
) -> None:
    args = ("discord", "sync", "--database-url", database_url)
    for _ in range(2):
        result = await run_cli(*args, env=_env(standin))
        assert result.code == 0, result.err
        assert "/paper synced globally" in result.out
    assert len(standin.sent("PUT", rf"/applications/{APP_ID}/commands")) == 2
    assert standin.identifies == []  # REST only: no gateway session


async def test_sync_to_a_guild_is_a_guild_write(standin: DiscordStandIn, database_url: str) -> None:
    result = await run_cli(
        "discord", "sync", "--guild", "4242", "--database-url", database_url, env=_env(standin)
    )
    assert result.code == 0, result.err
    (put,) = standin.sent("PUT", rf"/applications/{APP_ID}/guilds/4242/commands")
    assert [c["name"] for c in put.body] == ["paper"]


async def test_sync_without_a_token_says_what_to_set(database_url: str) -> None:
    result = await run_cli("discord", "sync", "--database-url", database_url)
    assert result.code == 2 and "DISCORD_BOT_TOKEN" in result.err
    bad = await run_cli("discord", "sync", "--guild", "x1", "--database-url", database_url)
    assert bad.code == 2 and "--guild" in bad.err


async def test_a_refused_token_or_an_unreachable_discord_is_one_line_not_a_traceback(
    standin: DiscordStandIn, database_url: str
) -> None:
    args = ("discord", "sync", "--database-url", database_url)
    standin.fail_next("GET", "/users/@me", 401)
    refused = await run_cli(*args, env=_env(standin))
    assert refused.code == 2 and "Traceback" not in refused.err
    assert "paperbot: Discord refused DISCORD_BOT_TOKEN (401)" in refused.err
    with socket.socket() as free:  # a port nothing listens on once it is closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    down = {**_env(standin), "DISCORD_API_BASE_URL": f"http://127.0.0.1:{port}/api/v10"}
    unreachable = await run_cli(*args, env=down)
    assert unreachable.code == 2 and "Traceback" not in unreachable.err
    assert "paperbot: Discord could not be reached (" in unreachable.err
    assert "test-token" not in refused.err + unreachable.err
    assert standin.sent("PUT", rf"/applications/{APP_ID}/commands") == []
