"""Log lines: JSON off a terminal, readable on one, tagged with the work's ids, secrets hidden."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.cli_logging import REDACTED, configure_logging, redact_url, secret_values
from bot.log_context import request_scope, run_scope

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
