"""Notes files to notes, exactly as docs/notes-format.md says.

The parser is pure: text (or raw bytes) in, notes and warnings out. Anything it cannot read raises
`NoteParseError` naming the file and line; it never raises anything else, whatever the input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.digest.tags import normalize_tag
from bot.errors import NoteParseError, not_ascii_digit
from bot.ingest.identity import NoteIdentity
from bot.models import Note, NoteSource

__all__ = ["MAX_LINE_CHARS", "MAX_TAG_CHARS", "PARSER_VERSION", "ParsedFile", "parse_notes"]

PARSER_VERSION = 1
"""Bump when parsing changes, so unchanged files are parsed again on the next ingest."""

MAX_LINE_CHARS = 20_000
"""Longest line accepted. Real abstracts stay under 3,000 characters; 5 MB is a broken file."""

MAX_TAG_CHARS = 200
"""Longest tag key: what the store's tag columns hold (PostgreSQL refuses a longer one)."""

_KOREAN_DATE = re.compile(r"([0-9]{4})\s*년\s*([0-9]{1,2})\s*월\s*([0-9]{1,2})\s*일")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+")
_URL_TRAILING = ".,;:!?"
_EXPECTED_HEADER = 'expected "2024년 9월 20일" or "2024-09-20"'


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """What one notes file holds: its day, its notes in file order, and warnings for the report."""

    source: str
    day: date
    notes: tuple[Note, ...]
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class _Draft:
    """An entry being read: its title line and the lines after it."""

    title: str
    line: int
    body: list[str] = field(default_factory=list)


def parse_notes(data: str | bytes, source: str) -> ParsedFile:
    """Parse one notes file.

    Args:
        data: the file's bytes (decoded as UTF-8, BOM tolerated) or its text.
        source: the file's name, used in errors, warnings and `Note.source`.

    Raises:
        NoteParseError: the file is not UTF-8, has no valid date header, or holds no entries.
    """
    lines = _split_lines(_decode(data, source), source)
    header_index = _first_non_blank(lines)
    if header_index is None:
        raise NoteParseError(source, 1, "file is empty: expected a date header and notes")
    day = _parse_date(lines[header_index], source, header_index + 1)
    drafts, warnings = _split_entries(lines, header_index + 1, source)
    if not drafts:
        raise NoteParseError(source, header_index + 1, "no notes after the date header")
    identity = NoteIdentity(day)
    notes = tuple(
        _build_note(draft, day, identity, source, position) for position, draft in enumerate(drafts)
    )
    return ParsedFile(source=source, day=day, notes=notes, warnings=tuple(warnings))


def _decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = text.count("\n", 0, exc.start) + 1
            raise NoteParseError(source, line, "text holds an unpaired surrogate") from None
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        raise NoteParseError(
            source, line, f"not valid UTF-8 (byte 0x{data[offset]:02x}); save the file as UTF-8"
        ) from None


def _split_lines(text: str, source: str) -> list[str]:
    """Split on LF (CRLF and lone CR tolerated) and drop trailing white space."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise NoteParseError(source, number, "line holds a NUL character; not a text file")
        if len(line) > MAX_LINE_CHARS:
            raise NoteParseError(
                source,
                number,
                f"line is {len(line):,} characters long; the limit is {MAX_LINE_CHARS:,}",
            )
    return [line.rstrip() for line in lines]


def _first_non_blank(lines: list[str], start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if lines[i].strip()), None)


def _date_match(text: str) -> re.Match[str] | None:
    return _KOREAN_DATE.fullmatch(text) or _ISO_DATE.fullmatch(text)


def _parse_date(line: str, source: str, number: int) -> date:
    text = line.strip()
    match = _date_match(text)
    if match is None and (digit := not_ascii_digit(text)) is not None:
        as_ascii = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
        if _date_match(as_ascii):  # `２０２４-０６-０１`: a date header in another script's digits
            raise NoteParseError(source, number, f"date header: {digit}")
    if match is None:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise NoteParseError(source, number, f"no date header: {_EXPECTED_HEADER}, got {shown!r}")
    year, month, day = (int(group) for group in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise NoteParseError(
            source, number, f"{text} is not a real calendar date ({_EXPECTED_HEADER})"
        ) from None


def _is_hashtag_line(line: str) -> bool:
    tokens = line.split()
    return bool(tokens) and all(token.startswith("#") and len(token) > 1 for token in tokens)


def _split_entries(lines: list[str], start: int, source: str) -> tuple[list[_Draft], list[str]]:
    """Group lines into entries; a hashtag line ends an entry, blank lines mean nothing."""
    drafts: list[_Draft] = []
    warnings: list[str] = []
    current: _Draft | None = None
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        if _is_hashtag_line(line):
            if current is None:
                raise NoteParseError(
                    source, index + 1, "hashtag line without a title: each note starts with a title"
                )
            _check_tag_lengths(line, source, index + 1)
            current.body.append(line)
            drafts.append(current)
            current = None
        elif current is None:
            current = _Draft(title=line, line=index + 1)
        else:
            current.body.append(line)
    if current is not None:
        drafts.append(current)
        warnings.append(
            f"{source}:{current.line}: last note {current.title[:60]!r} has no hashtag line; "
            "stored without tags"
        )
    return drafts, warnings


def _check_tag_lengths(line: str, source: str, number: int) -> None:
    for token in line.split():
        if len(key := normalize_tag(token)) > MAX_TAG_CHARS:
            raise NoteParseError(
                source,
                number,
                f"tag #{key[:30]}... is {len(key):,} characters long; the limit is {MAX_TAG_CHARS}",
            )


def _contains_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def _is_link_line(line: str) -> bool:
    return _URL.fullmatch(line.strip()) is not None


def _find_links(texts: list[str]) -> tuple[str, ...]:
    links: dict[str, None] = {}
    for text in texts:
        for match in _URL.finditer(text):
            url = match.group(0).rstrip(_URL_TRAILING)
            if len(url) > len("https://"):
                links.setdefault(url, None)
    return tuple(links)


def _build_note(
    draft: _Draft, day: date, identity: NoteIdentity, source: str, position: int
) -> Note:
    body = list(draft.body)
    tags: tuple[str, ...] = ()
    if body and _is_hashtag_line(body[-1]):
        tags = tuple(dict.fromkeys(key for t in body.pop().split() if (key := normalize_tag(t))))
    authors: tuple[str, ...] = ()
    if body and body[0].strip().startswith("(") and body[0].strip().endswith(")"):
        inner = body.pop(0).strip()[1:-1]
        authors = tuple(name.strip() for name in inner.split(",") if name.strip())
    first_hangul = next((i for i, line in enumerate(body) if _contains_hangul(line)), len(body))
    abstract_lines = [line for line in body[:first_hangul] if not _is_link_line(line)]
    commentary_lines = body[first_hangul:]
    return Note(
        key=identity.key_for(draft.title),
        day=day,
        title=draft.title,
        authors=authors,
        abstract="\n".join(line.strip() for line in abstract_lines),
        commentary="\n".join(line.strip() for line in commentary_lines),
        links=_find_links([draft.title, *draft.body]),
        tags=tags,
        source=NoteSource(source, draft.line),
        position=position,
    )
