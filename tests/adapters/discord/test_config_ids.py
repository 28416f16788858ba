"""A Discord destination (or admin channel) names its guild and channel by id: a `#name` or a
server's name is refused by `paperbot config check` and by the start of `paperbot run`, naming
the key, instead of failing at the first digest with advice about something else. Each case
runs the real `paperbot` in a subprocess; nothing is contacted."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import CliResult, run_cli

GUILD, CHANNEL, ADMINS = "123456789012345678", "234567890123456789", "345678901234567890"
ENV = {
    **{name: "" for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID",
                             "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN", "DISCORD_SHARD_COUNT",
                             "DISCORD_SHARD_IDS", "PAPERBOT_HTTP", "PAPERBOT_CONFIG")},
    "DISCORD_BOT_TOKEN": "discord-5ecret-value",
}  # fmt: skip
HOW = "(a number; Developer Mode → Copy {} ID)"


def _destination(workspace: str, channel: str) -> str:
    return (
        f'[[destinations]]\nplatform = "discord"\nworkspace = "{workspace}"\n'
        f'channel = "{channel}"\n'
    )


async def _cli(tmp_path: Path, command: str, body: str) -> CliResult:
    path = tmp_path / "paperbot.toml"
    path.write_text(body, encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    args = ["config", "check"] if command == "check" else ["run"]
    return await run_cli(
        *args, "--config", str(path), "--database-url", database, env=ENV, limit=60
    )


BAD = (
    f'[delivery]\nadmin_channel = "discord:{GUILD}:#admins"\n'
    + _destination(GUILD, "#papers")
    + _destination("Paper Club", CHANNEL)
)


async def test_config_check_refuses_a_channel_or_guild_that_is_not_an_id(tmp_path: Path) -> None:
    result = await _cli(tmp_path, "check", BAD)
    assert result.code == 2, (result.out, result.err)
    path = tmp_path / "paperbot.toml"
    assert result.err.strip().splitlines() == [
        f"paperbot: {path}: destinations[0].channel: '#papers' is not a Discord channel id "
        + HOW.format("Channel"),
        f"paperbot: {path}: destinations[1].workspace: 'Paper Club' is not a Discord server id "
        + HOW.format("Server"),
        f"paperbot: {path}: delivery.admin_channel: 'discord:{GUILD}:#admins': '#admins' is not "
        "a Discord channel id " + HOW.format("Channel"),
    ], result.err
    assert "5ecret" not in result.err + result.out


async def test_run_refuses_them_before_anything_starts(tmp_path: Path) -> None:
    result = await _cli(tmp_path, "run", BAD)
    assert result.code == 2, (result.out, result.err)
    assert "destinations[0].channel: '#papers' is not a Discord channel id" in result.err
    assert not (tmp_path / "db.sqlite3").exists()  # refused before the database was opened


async def test_ids_and_a_persons_dm_pass(tmp_path: Path) -> None:
    body = (
        f'[delivery]\nadmin_channel = "discord:{GUILD}:{ADMINS}"\n'
        + _destination(GUILD, CHANNEL)
        + _destination(GUILD, f"@{ADMINS}")  # a person's DM digest
    )
    result = await _cli(tmp_path, "check", body)
    assert result.code == 0, (result.out, result.err)
    assert f"# discord:{GUILD}:{CHANNEL}" in result.out


async def test_a_key_is_numbered_as_in_the_file_after_a_malformed_destination(
    tmp_path: Path,
) -> None:
    body = _destination(GUILD, CHANNEL) + 'enabled = "yes"\n' + _destination(GUILD, "#papers")
    result = await _cli(tmp_path, "check", body)
    assert result.code == 2, (result.out, result.err)
    path = tmp_path / "paperbot.toml"
    assert result.err.strip().splitlines() == [
        f"paperbot: {path}: destinations[0].enabled: Input should be true or false (got 'yes')",
        f"paperbot: {path}: destinations[1].channel: '#papers' is not a Discord channel id "
        + HOW.format("Channel"),
    ], result.err
