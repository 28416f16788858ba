"""Typed errors: every failure a person can act on names what went wrong and where."""

from __future__ import annotations

import unicodedata

from bot.models import ErrorCode
from bot.replies import Text

__all__ = [
    "ConfigError",
    "ConfigProblems",
    "DeliveryError",
    "NoteParseError",
    "PaperbotError",
    "QuerySyntaxError",
    "non_ascii_digit",
    "not_ascii_digit",
    "not_utf8",
]


def not_utf8(text: str) -> str | None:
    """What in `text` UTF-8 cannot encode, as a person can act on it, or None.

    Text from the operating system (file names, command-line words) holds bytes that are not
    UTF-8 as lone surrogates U+DC80..U+DCFF (`surrogateescape`): said as the byte (`byte 0xe9`);
    any other lone surrogate as its code point (`U+D800`).
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
    return None


def non_ascii_digit(text: str) -> str | None:
    """The first decimal digit in `text` that is not ASCII (`２`, Arabic-Indic `٢`), or None.

    Python's `\\d`, `str.isdigit` and `int()` read every script's digits; dates, cron fields
    and numbers in settings are written 0-9 (docs/notes-format.md, docs/search.md)."""
    return next((c for c in text if c.isdecimal() and not c.isascii()), None)


def not_ascii_digit(text: str) -> str | None:
    """What `non_ascii_digit` finds, as a person can act on it (`'２' is not an ASCII digit
    (write 2)`), or None."""
    if (char := non_ascii_digit(text)) is None:
        return None
    return f"{char!r} is not an ASCII digit (write {unicodedata.decimal(char)})"


class PaperbotError(Exception):
    """Base of every error paperbot raises on purpose."""


class NoteParseError(PaperbotError):
    """A notes file cannot be read; carries the file and 1-based line of the problem."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


class QuerySyntaxError(PaperbotError):
    """A `/paper` query the grammar cannot read.

    The message is English (logs, `paperbot search`); chat replies say it in the user's
    language from `code` and `params` (the catalogue key `query.<code>`).
    """

    def __init__(self, message: str, *, code: str = "unreadable", **params: str | int) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class ConfigError(PaperbotError):
    """A configuration value is missing or invalid; the message names the key."""


class ConfigProblems(ConfigError):
    """Every problem found in a configuration, not only the first: one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class DeliveryError(PaperbotError):
    """A platform refused or failed a send.

    The message is English (logs, the ledger, `paperbot deliveries`). A failure the platform's
    adapter knows also carries its raw `code` (`not_in_channel`, `50013`) and `advice`: what to
    do, as a catalogue sentence the admin alert says in the admin channel's language. `detail`
    is what else that advice names (see `ErrorCode`): with the code, what a pause keeps so the
    adapter can say the advice again later, in the reader's language.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        code: str = "",
        advice: Text | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code
        self.advice = advice
        self.detail = detail

    @property
    def error_code(self) -> ErrorCode | None:
        """The platform's code with its detail, for the pause to keep; None when none."""
        return ErrorCode(self.code, self.detail) if self.code else None
