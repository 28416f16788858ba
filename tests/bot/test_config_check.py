"""`paperbot config check` and the start of `paperbot run` read one configuration: the
environment over the config file. Each case runs the real `paperbot` in a subprocess."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli_config import all_variables
from bot.delivery.config import file_keys
from tests.support.cli import REPO_ROOT, CliResult, run_cli

SECRETS = {
    "SLACK_SIGNING_SECRET": "signing-5ecret-value",
    "SLACK_BOT_TOKEN": "xoxb-bot-5ecret-value",
    "DISCORD_BOT_TOKEN": "discord-5ecret-value",
    "DATABASE_URL": "postgresql://bot:db-5ecret-value@127.0.0.1:1/papers",
}
"""Set, but nothing is contacted: `config check` starts nothing."""

CONSOLE = '[[destinations]]\nplatform = "console"\nworkspace = "local"\nchannel = "t"\n'
NO_PLATFORMS = {name: "" for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN",
                                      "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN",
                                      "PAPERBOT_SECRET_KEY", "DISCORD_BOT_TOKEN",
                                      "DISCORD_SHARD_COUNT", "PAPERBOT_HTTP", "PAPERBOT_CONFIG",
                                      "PAPERBOT_NOTES_DIR", "PAPERBOT_GLOSSARY",
                                      "PAPERBOT_TEMPLATES_DIR")}  # fmt: skip
"""The developer's own environment must not leak into these cases."""


async def _check(
    tmp_path: Path, body: str | None = None, env: dict[str, str] | None = None
) -> CliResult:
    args = ["config", "check"]
    if "DATABASE_URL" not in (env or {}):  # the developer's own stays out
        args += ["--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]
    if body is not None:
        path = tmp_path / "paperbot.toml"
        path.write_text(body, encoding="utf-8")
        args += ["--config", str(path)]
    return await run_cli(*args, env={**NO_PLATFORMS, **(env or {})}, limit=60)


def _named_config(tmp_path: Path, body: str) -> tuple[Path, dict[str, str]]:
    """A config file with `body`, and an environment whose `PAPERBOT_CONFIG` names it."""
    config = tmp_path / "paperbot.toml"
    config.write_text(body, encoding="utf-8")
    return config, {**NO_PLATFORMS, "PAPERBOT_CONFIG": str(config)}


def _refused(result: CliResult, *needles: str) -> None:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    for needle in needles:
        assert needle in result.err, result.err


MISTAKES = [
    ("bad time zone", CONSOLE + 'timezone = "Mars/Base"\n', {},
     "destinations[0].timezone: 'Mars/Base' is not an IANA time zone"),
    ("a folder of zones", CONSOLE + 'timezone = "America"\n', {},
     "destinations[0].timezone: 'America' is not an IANA time zone"),
    ("bad cron", CONSOLE + 'schedule = "every day"\n', {},
     "destinations[0].schedule: 'every day' is not a cron expression"),
    ("cron too long", CONSOLE + f'schedule = "0 9 * * {",".join(["1"] * 60)}"\n', {},
     "destinations[0].schedule: '0 9 * * 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,'... is 127 characters "
     "long; the limit is 100"),
    ("cron never fires", CONSOLE + 'schedule = "0 9 31 2 *"\n', {},
     "destinations[0].schedule: '0 9 31 2 *' never fires (no day of the year matches it)"),
    ("cron in full-width digits", CONSOLE + 'schedule = "0 ９ * * 1-5"\n', {},
     "destinations[0].schedule: '0 ９ * * 1-5', the hour field: '９' is not an ASCII digit "
     "(write 9)"),
    # what the ledger's columns hold on PostgreSQL (SQLite stored more, PostgreSQL refused it
    # at the first digest: value too long, invalid byte sequence 0x00, out of int32 range)
    ("channel id too long", CONSOLE.replace('"t"', '"' + "c" * 101 + '"'), {},
     "destinations[0].channel: String should have at most 100 characters (got 'ccc"),
    ("NUL in a workspace", CONSOLE.replace('"local"', '"lo\\u0000cal"'), {},
     "destinations[0].workspace: 'lo\\x00cal' holds a NUL character (U+0000): the database "
     "cannot store it"),
    ("NUL in a filter", CONSOLE + 'filter = "tag:a\\u0000"\n', {},
     "destinations[0].filter: 'tag:a\\x00' holds a NUL character (U+0000)"),
    ("max_entries past an integer column", CONSOLE + "max_entries = 2147483648\n", {},
     "destinations[0].max_entries: Input should be less than or equal to 2147483647"),
    ("an emoji the reaction marks cannot hold", f'[subscriptions]\nemoji = ["{"e" * 101}"]\n',
     {}, "subscriptions.emoji[0]: String should have at most 100 characters"),
    # past what a date holds: timedelta overflowed when the scheduler or reconcile pass started
    ("misfire grace past a date", "[delivery]\nmisfire_grace_seconds = 9223372036854775807\n", {},
     "delivery.misfire_grace_seconds: Input should be less than or equal to 2592000"),
    ("reconcile days past a date", "[subscriptions]\nreconcile_days = 1000000\n", {},
     "subscriptions.reconcile_days: Input should be less than or equal to 365 (got 1000000)"),
    ("bad filter", CONSOLE + 'filter = "author:kim"\n', {},
     "destinations[0].filter: 'author:kim' is not supported; only tag:A,B and -tag:C are"),
    ("unknown key", "[delivery]\nmax_atempts = 2\n", {},
     "delivery.max_atempts: unknown key (known here: admin_user_ids,"),
    ("unknown service key", '[service]\nnotes = "n"\n', {},
     "service.notes: unknown key (known here: notes_dir, templates_dir, glossary, http)"),
    ("wrong type", CONSOLE + 'enabled = "yes"\n', {},
     "destinations[0].enabled: Input should be true or false (got 'yes')"),
    # said in TOML's words: a table, an array, true/false; no Python class or `True`
    ("not a table", "delivery = 3\n", {},
     "delivery: Input should be a table, written [delivery] (got 3)"),
    ("destination not a table", "destinations = [3]\n", {},
     "destinations[0]: Input should be a table, written [[destinations]] (got 3)"),
    ("destinations not an array", "destinations = 3\n", {},
     "destinations: Input should be an array of tables, written [[destinations]] (got 3)"),
    ("a boolean shown as TOML", CONSOLE + "max_entries = true\n", {},
     "destinations[0].max_entries: Input should be a valid integer (got true)"),
    ("a service boolean shown as TOML", "[service]\nhttp = true\n", {},
     "service.http: Input should be a valid string (got true)"),
    ("path of the wrong type", "[service]\nnotes_dir = 3\n", {},
     "service.notes_dir: Input should be a path (a string) (got 3)"),
    ("NUL in a path", '[service]\nnotes_dir = "a\\u0000b"\n', {},
     "a\\x00b' is not a path: it holds a NUL character"),
    ("bad file value", '[service]\nhttp = "127.0.0.1:70000"\n', {},
     "service.http: '127.0.0.1:70000' is not HOST:PORT with a port from 0 to 65535, or 'off'"),
    ("bad confirmation window", "[subscriptions]\nconfirm_window_seconds = 60\n", {},
     "subscriptions.confirm_window_seconds: Input should be less than or equal to 10 (got 60)"),
    ("bad variable", None, {"PAPERBOT_HTTP": "localhost:http"},
     "PAPERBOT_HTTP: 'localhost:http' is not HOST:PORT with a port from 0 to 65535, or 'off'"),
    ("bad log format", None, {"PAPERBOT_LOG_FORMAT": "xml"},
     "PAPERBOT_LOG_FORMAT: Input should be 'auto', 'json' or 'text' (got 'xml')"),
    ("unsupported database", None, {"DATABASE_URL": "mysql://u:pw-5ecret@h/db"},
     "DATABASE_URL: unsupported database 'mysql'; use sqlite:///PATH or postgresql://..."
     " (value hidden)"),
    ("not a database URL", None, {"DATABASE_URL": "db-5ecret"},
     "DATABASE_URL: not a database URL (value hidden)"),
    ("platform not on", CONSOLE.replace('"console"', '"slack"'), {},
     "destinations[0].platform: 'slack' needs Slack credentials in the environment: set "
     "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN"),
    ("numbered as in the file",  # after a malformed destination, the next is still [1]
     CONSOLE + 'enabled = "yes"\n' + CONSOLE.replace('"console"', '"slack"'), {},
     "destinations[1].platform: 'slack' needs Slack credentials"),
    ("half-set Slack", None, {"SLACK_BOT_TOKEN": SECRETS["SLACK_BOT_TOKEN"]},
     "Slack is half configured: set SLACK_SIGNING_SECRET"),
    ("half-set Discord", None, {"DISCORD_SHARD_COUNT": "2"},
     "DISCORD_BOT_TOKEN is not set, but DISCORD_SHARD_COUNT is"),
    ("bad Discord value", None, {**SECRETS, "DISCORD_SHARD_COUNT": "many"},
     "DISCORD_SHARD_COUNT: 'many' is not a whole number"),
    ("Discord value in full-width digits", None, {**SECRETS, "DISCORD_SHARD_IDS": "0,１"},
     "DISCORD_SHARD_IDS: '１' is not an ASCII digit (write 1)"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "env", "message"), [m[1:] for m in MISTAKES],
                         ids=[m[0] for m in MISTAKES])  # fmt: skip
async def test_config_check_reports_each_kind_of_mistake(
    body: str | None, env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = await _check(tmp_path, body, env)
    _refused(result, message)
    assert result.out == ""  # nothing printed as if it were valid
    assert not (tmp_path / "db.sqlite3").exists()


async def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    body = (
        '[service]\nhttp = "nope"\n[delivery]\nmax_attempts = "6"\n'
        + '[subscriptions]\nemoji = ["🔔", " "]\n'  # was said only once the rest were fixed
        + CONSOLE + 'timezone = "Mars/Base"\nschedule = "every day"\nfilter = "author:kim"\n'
        + CONSOLE.replace('"console"', '"discord"')
    )  # fmt: skip
    result = await _check(tmp_path, body, {"SLACK_CLIENT_ID": "123.456"})
    _refused(
        result,
        "service.http: 'nope'",
        "delivery.max_attempts: Input should be a valid integer (got '6')",
        'subscriptions.emoji[1]: an entry is empty; e.g. ["🔔", "bell"]',
        "destinations[0].timezone",
        "destinations[0].schedule",
        "destinations[0].filter",
        "destinations[1].platform: 'discord' needs Discord credentials",
        "Slack is half configured",
    )
    assert len(result.err.strip().splitlines()) == 8, result.err
    assert all(line.startswith("paperbot: ") for line in result.err.strip().splitlines())


KEYED = {"destinations[].platform", "destinations[].workspace", "destinations[].channel"}
"""Printed as each destination's key, `[[destinations]]  # console:local:t`."""


async def test_a_good_configuration_is_printed_with_secrets_as_set(tmp_path: Path) -> None:
    body = (
        CONSOLE
        + 'timezone = "Europe/Berlin"\n'
        + CONSOLE.replace('"t"', '"u"').replace('"console"', '"slack"')
    )
    result = await _check(tmp_path, body, SECRETS)
    assert result.code == 0, result.err
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "DISCORD_BOT_TOKEN"):
        assert f"{name} = <set>" in result.out
    assert "SLACK_CLIENT_SECRET = <unset>" in result.out
    variables = result.out.split("[environment]", 1)[1].split("\n[platforms]", 1)[0]
    sources = re.findall(r"^([A-Z_]+) = .*  # (environment|config file|default)$", variables, re.M)
    assert [name for name, _ in sources] == [name for name, *_ in all_variables()]  # each, once
    assert "SLACK_BOT_TOKEN = <set>  # environment" in variables
    assert 'SLACK_API_BASE_URL = "https://slack.com/api/"  # default' in variables  # filled in
    assert "PAPERBOT_SHUTDOWN_TIMEOUT = 10.0  # default" in variables  # a number, as in TOML
    tables = {head.split("]")[0].strip("[]"): body for head, body in (
        part.split("\n", 1) for part in result.out.split("\n[")[1:]
    )}  # fmt: skip
    for key in file_keys():  # every key of the file, with its default filled in
        table, name = key.replace("[]", "").split(".")
        if table != "service" and key not in KEYED:  # `[service]`: its variables, above
            assert re.search(rf"^{name} = \S", tables[table], re.M), (key, tables[table])
    assert 'DATABASE_URL = "postgresql://bot:***@127.0.0.1:1/papers"  # environment' in result.out
    assert 'slack = "on: SlackSettings(single, api https://slack.com/api/)"' in result.out
    assert 'discord = "on: ' in result.out
    assert "[[destinations]]  # console:local:t\n" in result.out
    assert 'timezone = "Europe/Berlin"' in result.out
    assert "[subscriptions]\n" in result.out and "confirm_window_seconds = 3.0\n" in result.out
    assert "[[destinations]]  # slack:local:u" in result.out
    for value in SECRETS.values():
        assert "5ecret" not in result.out + result.err, value
    assert not (tmp_path / "db.sqlite3").exists()  # nothing opened


async def test_secret_values_never_appear_in_errors(tmp_path: Path) -> None:
    env = {
        "SLACK_SIGNING_SECRET": SECRETS["SLACK_SIGNING_SECRET"],
        "SLACK_BOT_TOKEN": "xoxp-user-5ecret-value",  # the wrong kind of token
        "SLACK_APP_TOKEN": "bad-app-5ecret-value",
        "DISCORD_BOT_TOKEN": SECRETS["DISCORD_BOT_TOKEN"],
        "DISCORD_API_BASE_URL": "ftp://nowhere",
    }
    result = await _check(tmp_path, None, env)
    _refused(result, "SLACK_BOT_TOKEN must start with 'xoxb-'", "DISCORD_API_BASE_URL")
    assert "5ecret" not in result.out + result.err


async def test_the_environment_overrides_the_file_and_file_paths_are_relative_to_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    body = '[service]\nhttp = "127.0.0.1:1111"\nnotes_dir = "notes"\ntemplates_dir = "tpl"\n'
    (folder / "paperbot.toml").write_text(body, encoding="utf-8")
    (folder / "tpl").mkdir()
    env = {**NO_PLATFORMS, "PAPERBOT_CONFIG": str(folder / "paperbot.toml")}
    url = f"sqlite:///{tmp_path / 'db'}"
    from_file = await run_cli("config", "check", "--database-url", url, env=env)
    assert from_file.code == 0, from_file.err
    assert 'PAPERBOT_HTTP = "127.0.0.1:1111"  # config file' in from_file.out
    assert f'PAPERBOT_NOTES_DIR = "{folder / "notes"}"  # config file' in from_file.out
    env |= {"PAPERBOT_HTTP": "127.0.0.1:2222", "PAPERBOT_NOTES_DIR": "elsewhere"}
    overridden = await run_cli("config", "check", "--database-url", url, env=env)
    assert overridden.code == 0, overridden.err
    assert 'PAPERBOT_HTTP = "127.0.0.1:2222"  # environment' in overridden.out
    assert 'PAPERBOT_NOTES_DIR = "elsewhere"  # environment' in overridden.out
    assert f'PAPERBOT_TEMPLATES_DIR = "{folder / "tpl"}"  # config file' in overridden.out


async def test_a_bad_file_value_the_environment_overrides_is_still_refused(
    tmp_path: Path,
) -> None:
    """`http = 8080` (a number) under a set `PAPERBOT_HTTP` passed unseen until the variable
    went away; a folder the file names is not required to exist while the variable points
    elsewhere (a container mounts its own)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    config, env = _named_config(tmp_path, '[service]\nhttp = 8080\ntemplates_dir = "dev-tpl"\n')
    (tmp_path / "tpl").mkdir()
    env |= {"PAPERBOT_HTTP": "127.0.0.1:2222", "PAPERBOT_TEMPLATES_DIR": str(tmp_path / "tpl")}
    for command in (["config", "check"], ["run", "--once"]):
        result = await run_cli(*command, "--database-url", url, env=env)
        _refused(result, f"{config}: service.http: Input should be a valid string (got 8080)")
        assert "templates_dir" not in result.err, result.err
    _, env = _named_config(tmp_path, '[service]\nhttp = "0.0.0.0:8080"\n')
    env |= {"PAPERBOT_HTTP": "127.0.0.1:2222"}
    accepted = await run_cli("config", "check", "--database-url", url, env=env)
    assert accepted.code == 0, accepted.err
    assert 'PAPERBOT_HTTP = "127.0.0.1:2222"  # environment' in accepted.out


async def test_a_templates_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    """Named in the environment or the file, a missing folder stops `run` and `config check`
    (it used to pass both, every digest then rendered with the shipped templates unsaid)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    config, env = _named_config(tmp_path, '[service]\ntemplates_dir = "no-such-tpl"\n')
    for command in (["config", "check"], ["run", "--once"]):
        from_file = await run_cli(*command, "--database-url", url, env=env)
        missing = tmp_path / "no-such-tpl"
        _refused(from_file, f"{config}: service.templates_dir: '{missing}' is not a folder")
        from_env = await run_cli(
            *command,
            "--database-url",
            url,
            env={**NO_PLATFORMS, "PAPERBOT_TEMPLATES_DIR": str(tmp_path / "gone")},
        )
        _refused(from_env, f"PAPERBOT_TEMPLATES_DIR: '{tmp_path / 'gone'}' is not a folder")
    assert not (tmp_path / "db.sqlite3").exists()  # refused before the database was opened


async def test_the_database_url_option_is_what_config_check_shows(tmp_path: Path) -> None:
    """As `run` would use it: the option over the variable."""
    given = f"sqlite:///{tmp_path / 'given.sqlite3'}"
    env = {**NO_PLATFORMS, "DATABASE_URL": SECRETS["DATABASE_URL"]}
    result = await run_cli("config", "check", "--database-url", given, env=env)
    assert result.code == 0, result.err
    assert f'DATABASE_URL = "{given}"  # command line' in result.out
    assert not (tmp_path / "given.sqlite3").exists()


async def test_a_database_url_option_run_would_refuse_is_refused(tmp_path: Path) -> None:
    result = await run_cli("config", "check", "--database-url", "db-5ecret", env=NO_PLATFORMS)
    _refused(result, "--database-url: not a database URL (value hidden)")
    assert "5ecret" not in result.out + result.err


async def test_other_commands_check_the_service_table_and_leave_the_rest_to_run(
    tmp_path: Path,
) -> None:
    config, env = _named_config(tmp_path, "[service]\nhttp = 8080\n[delivery]\nmax_atempts = 2\n")
    database = tmp_path / "db.sqlite3"
    result = await run_cli("export", "--database-url", f"sqlite:///{database}", env=env)
    _refused(result, f"{config}: service.http: Input should be a valid string (got 8080)")
    assert "max_atempts" not in result.err  # the delivery tables are `run`'s to check
    assert not database.exists()


async def test_the_database_url_option_hides_its_password_and_the_variable_shows_without_it(
    tmp_path: Path,
) -> None:
    """Options override the environment (`paperbot --help`): `config check --database-url`
    prints the database every other command would open with that option, password hidden."""
    given = "postgresql://bot:opt-5ecret@127.0.0.1:1/given"
    env = {**NO_PLATFORMS, "DATABASE_URL": SECRETS["DATABASE_URL"]}
    result = await run_cli("config", "check", "--database-url", given, env=env)
    assert result.code == 0, result.err
    assert 'DATABASE_URL = "postgresql://bot:***@127.0.0.1:1/given"  # command line' in result.out
    assert "5ecret" not in result.out
    without = await run_cli("config", "check", env=env)
    assert 'DATABASE_URL = "postgresql://bot:***@127.0.0.1:1/papers"  # environment' in (
        without.out
    )


async def test_ingest_reads_the_notes_folder_the_config_file_names(
    tmp_path: Path, seeds_dir: Path
) -> None:
    _, env = _named_config(tmp_path, f'[service]\nnotes_dir = "{seeds_dir}"\n')
    result = await run_cli("ingest", "--database-url", f"sqlite:///{tmp_path / 'db'}", env=env)
    assert result.code == 0, result.err
    assert "added 41, updated 0" in result.out


async def test_a_bad_configuration_stops_run_before_anything_starts(tmp_path: Path) -> None:
    path = tmp_path / "paperbot.toml"
    path.write_text(CONSOLE + 'timezone = "Mars/Base"\n[service]\nhttp = 8080\n', "utf-8")
    database = tmp_path / "db.sqlite3"
    result = await run_cli(
        "run", "--config", str(path), "--database-url", f"sqlite:///{database}",
        env={**NO_PLATFORMS, "DISCORD_SHARD_IDS": "0"}, limit=60,
    )  # fmt: skip
    _refused(
        result,
        f"{path}: destinations[0].timezone: 'Mars/Base' is not an IANA time zone",
        f"{path}: service.http: Input should be a valid string (got 8080)",
        "DISCORD_BOT_TOKEN is not set, but DISCORD_SHARD_IDS is",
    )
    assert not database.exists()  # refused before the database was opened


async def test_help_lists_config_check() -> None:
    top = await run_cli("--help")
    assert "config" in top.out and "PAPERBOT_CONFIG" in top.out
    check = await run_cli("config", "check", "--help")
    assert check.code == 0 and "--config" in check.out


async def test_the_shipped_example_passes_config_check(tmp_path: Path) -> None:
    example = (REPO_ROOT / "config" / "paperbot.example.toml").read_text(encoding="utf-8")
    result = await _check(tmp_path, example)
    assert result.code == 0, result.err
    assert 'PAPERBOT_HTTP = "127.0.0.1:8080"  # config file' in result.out
    assert "[[destinations]]  # console:local:terminal\n" in result.out


async def test_the_glossary_the_config_file_names_is_the_one_searched_with(
    tmp_path: Path,
) -> None:
    _, env = _named_config(tmp_path, '[service]\nglossary = "team-glossary.toml"\n')
    url = f"sqlite:///{tmp_path / 'db'}"
    missing = await run_cli("search", "tag:rlhf", "--database-url", url, env=env)
    _refused(missing, f"{tmp_path / 'team-glossary.toml'}: cannot read the glossary")
    (tmp_path / "team-glossary.toml").write_text(
        '[[synonyms]]\nterms = ["보상 모델", "reward model"]\n', encoding="utf-8"
    )
    found = await run_cli("search", "tag:rlhf", "--database-url", url, env=env)
    assert found.code == 0, found.err
