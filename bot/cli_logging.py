"""How the process logs: one JSON object a line when stderr is not a terminal (a container, a
pipe, a file a log shipper reads), readable lines when a person watches it.

The standard library's `logging`, with a formatter of our own: slack-bolt, discord.py, aiohttp,
APScheduler and SQLAlchemy all log through it, so one handler formats, tags and redacts every
line, theirs too, without another dependency. Each line carries the run id or request id of
the work it belongs to (bot/log_context.py). Secret values from the environment (tokens, signing
secrets, keys, the password in `DATABASE_URL`) are replaced in every line, message and
traceback alike, whoever logged them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from bot.log_context import current_ids

__all__ = [
    "REDACTED",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "redact_url",
    "secret_values",
]

REDACTED = "<redacted>"
SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|_KEY$|^KEY$|CREDENTIALS", re.IGNORECASE)
"""Environment variables whose values are secrets."""
URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s:/@]+:)(?P<password>[^\s@/]+)(?=@)")
"""`scheme://user:password@` anywhere in a line."""
MIN_SECRET_CHARS = 4
"""Shorter values (`1`, `yes`) are settings, not secrets worth hiding: replacing them would
garble every line."""

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact_url(url: str) -> str:
    """`url` with the password of any `user:password@` in it replaced."""
    return URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED, url)


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The values to hide: secret-named variables, and the password inside `DATABASE_URL`."""
    found = {value for name, value in environ.items() if SECRET_NAMES.search(name) and value}
    database = environ.get("DATABASE_URL", "")
    try:
        password = urlsplit(database).password
    except ValueError:
        password = None
    if password:
        found |= {password, unquote(password)}
    return sorted((v for v in found if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True)


class _Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = list(secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return redact_url(text)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the ids of the work, any `extra`
    fields, and the traceback as a string."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._redact = _Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, secrets replaced."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self._redact(record.getMessage()),
            **current_ids(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                line[key] = self._redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = self._redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = self._redact(self.formatStack(record.stack_info))
        return self._redact(json.dumps(line, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """`time level logger [ids]: message`, for a person at a terminal; secrets replaced."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")
        self._redact = _Redactor(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as readable text, with the work's ids in brackets."""
        ids = current_ids()
        shown = " [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]" if ids else ""
        setattr(record, "ids", shown)  # noqa: B010 - a field of this format only
        try:
            return self._redact(super().format(record))
        finally:
            delattr(record, "ids")


def configure_logging(
    verbose: int = 0,
    *,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Send every logger's records to `stream` (stderr): JSON unless it is a terminal.

    `verbose`: 0 warnings, 1 state changes (info), 2 and more debug.
    """
    stream = sys.stderr if stream is None else stream
    secrets = secret_values(os.environ if environ is None else environ)
    handler = logging.StreamHandler(stream)
    tty = hasattr(stream, "isatty") and stream.isatty()
    handler.setFormatter(TextFormatter(secrets) if tty else JsonFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)])
    return handler
