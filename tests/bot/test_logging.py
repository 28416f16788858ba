"""Log lines: JSON off a terminal, readable on one, tagged with the work's ids, secrets hidden."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli_config import all_variables
from bot.cli_logging import REDACTED, configure_logging, hide_secrets, redact_url, secret_values
from bot.log_context import request_scope, run_scope
from bot.wiring import Variable
from bot.wiring.slack import SlackFactory

ENV = {
    "SLACK_BOT_TOKEN": "xoxb-1234-secret-bot",
    "SLACK_SIGNING_SECRET": "signing-shh-42",
    "PAPERBOT_SECRET_KEY": "fernet-key-value",
    "DATABASE_URL": "postgresql://bot:pa%40ss-word@db:5432/paperbot",
    "PAPERBOT_NOTES_DIR": "notes",
    "SHORT_TOKEN": "1",
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_off_a_terminal_each_line_is_json_with_the_ids_of_its_work(
    restore_logging: None,
) -> None:
    stream = io.StringIO()
    configure_logging(1, stream=stream, environ={})
    log = logging.getLogger("paperbot.test")
    log.info("outside")
    with run_scope() as run_id:
        log.info("digest %s", "slot:1", extra={"destination": "console:local:lab"})
    with request_scope() as request_id:
        log.warning("answered")
    log.debug("not shown at -v")
    parsed = [json.loads(line) for line in lines(stream)]
    assert [p["message"] for p in parsed] == ["outside", "digest slot:1", "answered"]
    assert "run_id" not in parsed[0] and "request_id" not in parsed[0]
    assert parsed[1]["run_id"] == run_id and parsed[1]["destination"] == "console:local:lab"
    assert parsed[2]["request_id"] == request_id and parsed[2]["level"] == "warning"
    assert parsed[0]["logger"] == "paperbot.test" and parsed[0]["time"].endswith("+00:00")


def test_on_a_terminal_lines_are_text_with_the_ids_in_brackets(restore_logging: None) -> None:
    stream = Terminal()
    configure_logging(0, stream=stream, environ={})
    with request_scope() as request_id:
        logging.getLogger("paperbot.test").warning("slow answer")
    (line,) = lines(stream)
    assert line.endswith(f"WARNING paperbot.test [request_id={request_id}]: slow answer")


def test_a_request_id_set_at_the_edge_is_kept_inside() -> None:
    with request_scope() as outer, request_scope() as inner:
        assert inner == outer
    with request_scope() as later:
        assert later != outer


@pytest.mark.parametrize("stream", [io.StringIO(), Terminal()], ids=["json", "text"])
def test_secret_values_never_reach_a_line(restore_logging: None, stream: io.StringIO) -> None:
    configure_logging(2, stream=stream, environ=ENV)
    log = logging.getLogger("slack_bolt.test")
    log.info("token %s and %s", ENV["SLACK_BOT_TOKEN"], ENV["SLACK_SIGNING_SECRET"])
    log.debug("key", extra={"key": ENV["PAPERBOT_SECRET_KEY"]})
    try:
        raise RuntimeError(f"connect {ENV['DATABASE_URL']} failed")
    except RuntimeError:
        log.exception("database")
    log.info("url postgresql://other:hunter22@elsewhere/db")
    text = stream.getvalue()
    for secret in ("xoxb-1234-secret-bot", "signing-shh-42", "fernet-key-value", "pa%40ss-word"):
        assert secret not in text
    assert "hunter22" not in text and "pa@ss-word" not in text
    assert text.count(REDACTED) >= 4
    assert "postgresql://bot:<redacted>@db:5432/paperbot" in text


def test_which_values_are_secret() -> None:
    found = secret_values(ENV)
    assert set(found) == {
        "xoxb-1234-secret-bot",
        "signing-shh-42",
        "fernet-key-value",
        "pa%40ss-word",
        "pa@ss-word",
    }
    assert redact_url("sqlite:///data/x.sqlite3") == "sqlite:///data/x.sqlite3"
    assert redact_url("postgresql+asyncpg://u:p@h/db") == "postgresql+asyncpg://u:<redacted>@h/db"


@pytest.mark.parametrize(
    "name",
    ["github_token", "Db_Password", "SMTP_PASSWD", "GOOGLE_CREDENTIALS", "stripe_api_key"],
)
def test_secret_looking_names_are_hidden_in_any_case(name: str) -> None:
    settings = {"PAPERBOT_NOTES_DIR": "notes-dir", "KEY_LAYOUT": "dvorak", "MONKEYS": "three"}
    assert secret_values({name: "a-hidden-value", **settings}) == ["a-hidden-value"]


def test_a_line_with_an_exception_carries_its_traceback(restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(0, stream=stream, environ={})
    try:
        raise ValueError("broken on purpose")
    except ValueError:
        logging.getLogger("paperbot.test").exception("it failed")
    (line,) = (json.loads(text) for text in lines(stream))
    assert line["message"] == "it failed" and line["level"] == "error"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: broken on purpose")


@pytest.mark.parametrize(
    ("chosen", "stream"),
    [("text", io.StringIO()), ("json", Terminal()), ("auto", Terminal()), ("auto", io.StringIO())],
    ids=["text-off-a-terminal", "json-on-a-terminal", "auto-terminal", "auto-pipe"],
)
def test_the_log_format_variable_overrides_the_terminal_test(
    restore_logging: None, chosen: str, stream: io.StringIO
) -> None:
    configure_logging(0, stream=stream, environ={"PAPERBOT_LOG_FORMAT": chosen})
    logging.getLogger("paperbot.test").warning("format me")
    (line,) = lines(stream)
    json_wanted = chosen == "json" or (chosen == "auto" and not stream.isatty())
    if json_wanted:
        assert json.loads(line)["message"] == "format me"
    else:
        assert line.endswith("WARNING paperbot.test: format me") and not line.startswith("{")


OPAQUE = {"ACME_OPAQUE": "opaque-value-xyz", "ACME_DSN": "postgresql://u:dsn-pw-123@h/db"}
"""Secrets whose names the name pattern does not catch: only a declaration hides them."""


def test_declared_secrets_are_hidden_whatever_their_names(restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(0, stream=stream, environ=OPAQUE)
    log = logging.getLogger("paperbot.test")
    log.warning("before %s", OPAQUE["ACME_OPAQUE"])  # not declared yet: the pattern misses it
    hide_secrets(OPAQUE, ["ACME_OPAQUE"], ["ACME_DSN"])
    log.warning("after %s and %s", OPAQUE["ACME_OPAQUE"], "dsn-pw-123")
    before, after = (json.loads(line)["message"] for line in lines(stream))
    assert before == "before opaque-value-xyz"
    assert after == f"after {REDACTED} and {REDACTED}"


def test_a_platform_variable_marked_secret_is_hidden_by_the_cli(
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """The real `paperbot config check` reads the platforms' declarations: a secret variable
    named outside the pattern is hidden in every line logged after it."""
    declared = (*SlackFactory.variables, Variable("SLACK_OPAQUE", "a test secret", secret=True))
    monkeypatch.setattr(SlackFactory, "variables", declared)
    for name, *_ in all_variables():  # the developer's own environment stays out
        if name != "SLACK_OPAQUE":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_OPAQUE", "slack-opaque-value")
    monkeypatch.setenv("PAPERBOT_LOG_FORMAT", "json")
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert main(["config", "check", "--database-url", database]) == 0
    capsys.readouterr()
    logging.getLogger("slack_bolt.test").warning("token slack-opaque-value")
    err = capsys.readouterr().err
    assert "slack-opaque-value" not in err and REDACTED in err
