"""Bad input to the command line, as a user types it: a one-line answer and exit 2, never a
traceback, a hang or silence. Each case runs the real `paperbot` in a subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.settings import http_address
from tests.support.cli import REPO_ROOT, CliResult, run_cli
from tests.support.databases import PG_ADMIN_URL, PostgresDatabases


def _refused(result: CliResult, *needles: str) -> None:
    """Exit 2 with a short message naming the problem, and no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    for needle in needles:
        assert needle in result.err, result.err


BAD_MINUTES = ["-3", "0", "0.01", "nan", "inf", "1e300", "ten", "", "٣٠"]  # float() reads ٣٠
BAD_ADDRESSES = ["garbage", "127.0.0.1:70000", "127.0.0.1:", "host:-1", "[::1]:99999", "a b:80"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--ingest-every", v, "number of minutes from 0.1 to 10080") for v in BAD_MINUTES]
    + [("--http", v, "HOST:PORT with a port from 0 to 65535") for v in BAD_ADDRESSES[:5]]
    + [("--http", BAD_ADDRESSES[5], "is not a host name or address")],
)
async def test_bad_run_options_are_refused_before_anything_starts(
    option: str, value: str, message: str, tmp_path: Path
) -> None:
    database = tmp_path / "db.sqlite3"
    url = f"sqlite:///{database}"
    result = await run_cli("run", option, value, "--database-url", url, limit=30)
    _refused(result, f"argument {option}: {value!r}", message)
    assert not database.exists()  # refused at parse time: nothing was opened


@pytest.mark.parametrize(
    ("value", "address"),
    [("0.0.0.0:8080", ("0.0.0.0", 8080)), (":9000", ("127.0.0.1", 9000)),
     ("[::1]:8080", ("::1", 8080)), ("localhost:0", ("localhost", 0)), ("off", None),
     (" OFF ", None)],
)  # fmt: skip
def test_the_address_forms_the_readme_names_are_read(
    value: str, address: tuple[str, int] | None
) -> None:
    assert http_address(value) == address


async def test_a_bad_paperbot_http_setting_is_refused_naming_it(tmp_path: Path) -> None:
    result = await run_cli(
        "run", "--once", "--database-url", f"sqlite:///{tmp_path / 'db'}",
        env={"PAPERBOT_HTTP": "localhost:http"}, limit=30,
    )  # fmt: skip
    _refused(result, "PAPERBOT_HTTP: 'localhost:http' is not HOST:PORT")


async def test_the_shortest_interval_allowed_still_stops_on_sigterm(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """The lower bound is not a value that keeps the loop busy: the bot serves, then stops."""
    log = tmp_path / "bot.log"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with open(log, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--ingest-every", "0.1", "-v",
            "--notes-dir", str(seeds_dir), "--database-url", f"sqlite:///{tmp_path / 'db'}",
            "--http", "127.0.0.1:0",
            cwd=REPO_ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        async with asyncio.timeout(60):
            while True:  # polling the child's log file, not timing anything
                if re.search("health and metrics on", log.read_text()):
                    break
                await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode in (0, 1), log.read_text()[-2000:]


@pytest.mark.parametrize("limit", ["-3", "0", "10001", "²", "２０"])
async def test_deliveries_limit_must_be_a_positive_count_up_to_10000(
    tmp_path: Path, limit: str
) -> None:
    """README, Commands: `--limit` a positive count (10,000 at most for `deliveries`)."""
    result = await run_cli(
        "deliveries", "--limit", limit, "--database-url", f"sqlite:///{tmp_path / 'db'}"
    )
    _refused(result, "argument --limit:", f"{limit!r} is not a number of runs from 1 to 10000")


@pytest.mark.parametrize("day", ["2024-02-30", "2024-13-01", "yesterday", ""])
async def test_a_render_date_that_is_no_day_is_refused_as_search_words_it(
    tmp_path: Path, day: str
) -> None:
    """`render --date 2024-02-30` said "invalid fromisoformat value" (argparse's wording for the
    function's name); it says what a date is, as `after:2024-02-30` in a search does."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = await run_cli("render", "--date", day, "--database-url", url)
    _refused(result, f"argument --date: {day!r} is not a date: use YYYY-MM-DD")
    assert "fromisoformat" not in result.err


async def test_a_search_query_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    """A terminal in Latin-1 passes `\xff`; Python reads it as U+DCFF, which crashed the
    search with UnicodeEncodeError on its way to the database."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = await run_cli("search", "tag:\udcff", "--database-url", url)
    _refused(result, "paperbot: the query is not valid UTF-8 (byte 0xff); type it in UTF-8")


async def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "paperbot.toml"
    url = f"sqlite:///{tmp_path / 'db'}"
    given = await run_cli("run", "--once", "--config", str(missing), "--database-url", url)
    _refused(given, f"{missing}: no such config file")
    from_env = await run_cli(
        "run", "--once", "--database-url", url, env={"PAPERBOT_CONFIG": str(missing)}
    )
    _refused(from_env, f"{missing}: no such config file")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[search]\nlimit = 5\n",
            "search: unknown key (known here: service, delivery, destinations, subscriptions)",
        ),
        ("[delivery]\nmax_atempts = 2\n", "delivery.max_atempts: unknown key"),
        (
            '[[destinations]]\nplatform = "console"\nworkspace = "local"\nchannel = "t"\n'
            'enabled = "yes"\n',
            "destinations[0].enabled: Input should be true or false (got 'yes')",
        ),
        ("[delivery\n", "not valid TOML"),
    ],
)
async def test_config_mistakes_name_the_file_and_key(
    body: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "paperbot.toml"
    path.write_text(body, encoding="utf-8")
    result = await run_cli(
        "run", "--once", "--config", str(path), "--database-url", f"sqlite:///{tmp_path / 'db'}"
    )
    _refused(result, f"{path}: ", message)
    assert len(result.err.strip().splitlines()) == 1, result.err


def _pg_url(**parts: object) -> str:
    return make_url(PG_ADMIN_URL).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", [["export"], ["run", "--once", "--http", "off"]])
async def test_an_unreachable_postgresql_is_one_line_naming_it(command: list[str]) -> None:
    """Port 1 on loopback: nothing listens there."""
    url = _pg_url(port=1, password="s3cret-pw")
    result = await run_cli(*command, "--database-url", url)
    _refused(result, "DATABASE_URL postgresql://", "127.0.0.1:1", "cannot connect")
    assert "s3cret-pw" not in result.err and len(result.err.strip().splitlines()) <= 2


@pytest.mark.parametrize(
    ("port", "reason"),
    [("99999", "port 99999 is not from 1 to 65535"), ("0", "port 0 is not from 1 to 65535"),
     ("abc", "its port is not a number")],
)  # fmt: skip
@pytest.mark.parametrize("given", ["option", "variable"])
async def test_a_port_out_of_range_is_one_line_naming_it(
    port: str, reason: str, given: str
) -> None:
    """The driver raised OverflowError ('port must be 0-65535') or ValueError for `:abc`: a
    traceback from every command, while `config check` called the URL valid."""
    url = f"postgresql://u:s3cret-pw@127.0.0.1:{port}/db"
    if given == "option":
        result = await run_cli("export", "--database-url", url)
    else:
        result = await run_cli("export", env={"DATABASE_URL": url})
    _refused(result, f"DATABASE_URL: {reason}")
    assert "s3cret-pw" not in result.err and len(result.err.strip().splitlines()) == 1
    checked = await run_cli("config", "check", env={"DATABASE_URL": url})
    _refused(checked, f"DATABASE_URL: {reason} (value hidden)")


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ({"database": "pb_no_such_database"}, 'database "pb_no_such_database" does not exist'),
        ({"username": "pb_no_such_user", "password": "s3cret-pw"}, '"pb_no_such_user"'),
    ],
)
async def test_a_wrong_postgresql_database_or_user_is_one_line_naming_it(
    postgres_databases: PostgresDatabases, parts: dict[str, str], reason: str
) -> None:
    result = await run_cli("export", "--database-url", _pg_url(**parts))
    _refused(result, "DATABASE_URL postgresql://", "cannot connect", reason)
    assert "s3cret-pw" not in result.err and len(result.err.strip().splitlines()) <= 2


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write: a read-only one, or sysfs when running as root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder if not os.access(folder, os.W_OK) else Path("/sys")


async def test_a_database_folder_that_cannot_be_written_is_one_line_naming_it(
    tmp_path: Path,
) -> None:
    folder = _unwritable_folder(tmp_path)
    for url in (f"sqlite:///{folder / 'paperbot.sqlite3'}", f"sqlite:///{folder / 'new' / 'db'}"):
        result = await run_cli("db", "upgrade", "--database-url", url)
        _refused(result, f"DATABASE_URL {url}: ", str(folder))
        assert len(result.err.strip().splitlines()) <= 2, result.err


async def test_a_migration_lock_file_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    """The database file is fine but its lock file can't be opened (a folder stands there)."""
    database = tmp_path / "paperbot.sqlite3"
    created = await run_cli("db", "upgrade", "--database-url", f"sqlite:///{database}")
    assert created.code == 0, created.err
    lock = tmp_path / "paperbot.sqlite3.migrate-lock"
    lock.unlink()
    lock.mkdir()
    result = await run_cli("db", "upgrade", "--database-url", f"sqlite:///{database}")
    _refused(result, f"cannot create the lock file {lock}")
    assert len(result.err.strip().splitlines()) <= 2, result.err
