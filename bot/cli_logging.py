"""How the process logs: one JSON object a line when stderr is not a terminal (a container, a
pipe, a file a log shipper reads), readable lines when a person watches it.

The standard library's `logging`, with a formatter of our own: slack-bolt, discord.py, aiohttp,
APScheduler and SQLAlchemy all log through it, so one handler formats, tags and redacts every
line, theirs too, without another dependency. Each line carries the run id or request id of
the work it belongs to (bot/log_context.py). `PAPERBOT_LOG_FORMAT` (`json`, `text`) overrides the
terminal test, for a log shipper reading a terminal or a person reading a pipe.

Secret values from the environment are replaced in every line, message and traceback alike,
whoever logged them. Which variables hold secrets is what the settings model declares (its
`SECRET` fields, the platforms' `Variable(secret=True)`, the password of its `URL` fields), told
here by `hide_secrets` once the command knows its configuration; until then, and as a safety net
for a variable nobody declared, secret-looking names (`*TOKEN*`, `*SECRET*`, `*_KEY`, …) and the
password in `DATABASE_URL` are hidden from the first line on.
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
    "hide_secrets",
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


FORMATS = ("auto", "json", "text")
"""`PAPERBOT_LOG_FORMAT`'s values (the settings model validates it; anything else here: auto)."""


def _url_passwords(url: str) -> set[str]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return set()
    return {password, unquote(password)} if password else set()


def secret_values(
    environ: Mapping[str, str],
    secret_names: Iterable[str] = (),
    url_names: Iterable[str] = ("DATABASE_URL",),
) -> list[str]:
    """The values to hide, longest first: the variables named secret, those whose names look
    secret, and the password inside each URL variable."""
    names = set(secret_names)
    found = {v for n, v in environ.items() if v and (n in names or SECRET_NAMES.search(n))}
    for name in url_names:
        found |= _url_passwords(environ.get(name, ""))
    return sorted((v for v in found if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True)


class _Redactor:
    """Replaces the secret values it knows; told more later by `hide_secrets`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Hide these too (longest first, so a secret holding another is replaced whole)."""
        self._secrets = sorted(set(self._secrets) | set(secrets), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return redact_url(text)


_active = _Redactor(())
"""The redactor of the handler `configure_logging` installed."""


def hide_secrets(
    environ: Mapping[str, str], secret_names: Iterable[str], url_names: Iterable[str] = ()
) -> None:
    """From now on, every line hides the values of these variables (whatever their names) and
    the password of each of these URLs: the settings model's declaration of its secrets."""
    _active.add(secret_values(environ, secret_names, url_names))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the ids of the work, any `extra`
    fields, and the traceback as a string."""

    def __init__(self, secrets: Iterable[str] | _Redactor = ()) -> None:
        super().__init__()
        self._redact = secrets if isinstance(secrets, _Redactor) else _Redactor(secrets)

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

    def __init__(self, secrets: Iterable[str] | _Redactor = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")
        self._redact = secrets if isinstance(secrets, _Redactor) else _Redactor(secrets)

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
    """Send every logger's records to `stream` (stderr): JSON unless it is a terminal, or as
    `PAPERBOT_LOG_FORMAT` says.

    `verbose`: 0 warnings, 1 state changes (info), 2 and more debug.
    """
    global _active
    stream = sys.stderr if stream is None else stream
    env = os.environ if environ is None else environ
    _active = _Redactor(secret_values(env))
    handler = logging.StreamHandler(stream)
    chosen = env.get("PAPERBOT_LOG_FORMAT", "").strip()
    if chosen not in FORMATS[1:]:
        chosen = "text" if hasattr(stream, "isatty") and stream.isatty() else "json"
    handler.setFormatter(TextFormatter(_active) if chosen == "text" else JsonFormatter(_active))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)])
    return handler
