"""The `/paper` query grammar, one for every platform and the CLI.

    tag:rlhf  tag:a,b  -tag:survey  #rlhf  author:arora  author:"Sanjeev Arora"
    since:2024-06  until:2024-06-30  date:2024-06-10  id:<id>  page:2
    bare words  "quoted phrase"

Parsing is pure and never touches the database: values end up as bound parameters, so raw
full-text syntax (`*`, `NEAR(`, `AND`) is just text. Anything unreadable raises
`QuerySyntaxError` whose message names the offending part, and whose `code` and `params` let
chat replies say the same in the user's language (one catalogue entry per code).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from bot.digest.tags import normalize_tag
from bot.errors import QuerySyntaxError, non_ascii_digit, not_ascii_digit
from bot.search.text import fold, full_width_digits

__all__ = [
    "ERROR_CODES",
    "KEYS",
    "MAX_FILTERS",
    "MAX_PAGE",
    "MAX_QUERY_CHARS",
    "Query",
    "parse_query",
]

KEYS = ("tag", "author", "since", "until", "date", "id", "page")
MAX_PAGE = 1000
MAX_QUERY_CHARS = 500
MAX_FILTERS = 8
"""`tag:` and `author:` filters one query may hold: each must hold, and each costs a read of
its notes (`author:a` is most of them), so more only make a query slow that finds nothing."""

_TOKEN = re.compile(
    r'(?P<neg>-)?(?P<key>[A-Za-z]+):(?:"(?P<qval>[^"]*)"|(?P<val>[^\s"]*))(?=\s|$)'
    r'|(?P<pneg>-)?"(?P<phrase>[^"]*)"(?=\s|$)'
    r"|(?P<word>\S+)"
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-([0-9]{1,2}))?")
_DATE_KEYS = frozenset({"since", "until", "date"})
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_BAD_DATE = "{key}:{value} is not a date: use YYYY-MM or YYYY-MM-DD"
ERROR_CODES = (
    "too_long",
    "unclosed_quote",
    "unknown_key",
    "needs_value",
    "not_excludable",
    "no_tag",
    "date_twice",
    "bad_date",
    "bad_page",
    "not_ascii_digit",
    "id_alone",
    "date_with_range",
    "since_after_until",
    "too_many_filters",
)
"""Every `QuerySyntaxError.code` the grammar raises; each has a catalogue sentence."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: filters, words and phrases, and the page asked for (1-based).

    `tag_groups` must all hold, each by any of its tags; `authors` must all match.
    """

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    tag_groups: tuple[tuple[str, ...], ...] = ()
    excluded_tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    note_id: str | None = None
    page: int = 1

    @property
    def has_terms(self) -> bool:
        """True when there are words or phrases to rank by."""
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        """True when nothing at all was asked (the help case)."""
        return self == Query(text=self.text, page=self.page)

    def at_page(self, page: int) -> str:
        """The query text that shows another page: what next/prev buttons send back."""
        base = re.sub(r"(?:^|\s)page:\S+", "", self.text).strip()
        return base if page == 1 else f"{base} page:{page}".strip()

    def without_dates(self) -> tuple[str, str] | None:
        """`(dates, rest)`: the query's `since:`/`until:`/`date:` words, and its text without
        them (and without `page:`), for saying what a search that finds nothing would find
        undated; None when it has no date filter or nothing else."""
        dates, rest = [], []
        for match in _TOKEN.finditer(self.text):
            key = (match["key"] or "").lower()
            if key in _DATE_KEYS:
                dates.append(match[0])
            elif key != "page":
                rest.append(match[0])
        return (" ".join(dates), " ".join(rest)) if dates and rest else None

    def with_tag(self, old: str, new: str) -> str | None:
        """The query's text with the tag filter `old` (a tag key) reading `new` instead, the
        rest as typed (without `page:`): the search a tag no note has is offered with a tag
        notes have. None when `new` cannot be written as a filter (a comma or a quote in it,
        which the grammar reads otherwise) or the text would be too long."""
        if any(c in new for c in ',"') or not new.strip():
            return None

        def swap(match: re.Match[str], key: str) -> str | None:
            if key == "tag" and not match["neg"]:
                return _tag_filter(match["key"], _value(match), old, new)
            if match["word"] is not None and match[0].startswith("#"):  # `#-x` is `#x`, as read
                return _tag_filter("tag", match[0].lstrip("-#"), old, new, hashed=True)
            return None

        return self._rewritten(swap)

    def with_author(self, old: str, new: str) -> str | None:
        """The query's text with each `author:` filter that reads `old` (folded, as `authors`
        holds it) reading the name `new` instead (quoted when it has several words), the
        rest as typed (without `page:`): an author no note has is offered with one notes
        have. None when `new` cannot be written as a filter (a quote in it) or the text
        would be too long."""
        if '"' in new or not new.strip():
            return None
        name = " ".join(new.split())
        written = f'"{name}"' if " " in name else name

        def swap(match: re.Match[str], key: str) -> str | None:
            if key == "author" and fold(_value(match).strip()) == old:
                return f"{match['key']}:{written}"
            return None

        return self._rewritten(swap)

    def typed_author(self, author: str) -> str:
        """The first `author:` filter that reads `author` (folded) as it was typed
        (`Geoffery Hinton`); `author` itself when none does."""
        for match in _TOKEN.finditer(self.text):
            if (match["key"] or "").lower() == "author" and fold(_value(match).strip()) == author:
                return _value(match).strip()
        return author

    def _rewritten(self, swap: Callable[[re.Match[str], str], str | None]) -> str | None:
        """The query's text with each word `swap` rewrites (given the word and its key, or
        "") in its place, the rest as typed, `page:` dropped; None past `MAX_QUERY_CHARS`."""
        words = []
        for match in _TOKEN.finditer(self.text):
            key = (match["key"] or "").lower()
            if key != "page":
                words.append(swap(match, key) or match[0])
        text = " ".join(words)
        return text if len(text) <= MAX_QUERY_CHARS else None


def _value(match: re.Match[str]) -> str:
    """A `key:value` word's value, without the quotes of `key:"a b"`."""
    return str(match["qval"] if match["qval"] is not None else match["val"])


def _tag_filter(key: str, value: str, old: str, new: str, *, hashed: bool = False) -> str | None:
    """`key:value` (or `#value`) with the tag `old` among its comma-separated tags read `new`;
    None when `old` is not among them (the word stays as typed)."""
    tags = [normalize_tag(t) for t in value.split(",")]
    if old not in tags:
        return None
    joined = ",".join(new if t == old else t for t in tags if t)
    if any(c.isspace() for c in joined):
        return f'{key}:"{joined}"'
    return f"#{joined}" if hashed else f"{key}:{joined}"


@dataclass(slots=True)
class _Builder:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    tag_groups: list[tuple[str, ...]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    dates: dict[str, tuple[date, date]] = field(default_factory=dict)
    note_id: str | None = None
    page: int = 1


def parse_query(text: str) -> Query:
    """Parse `/paper` input into a `Query`.

    Raises:
        QuerySyntaxError: an unknown `key:`, a bad date or page, an unclosed quote, an empty value.
    """
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"the query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}",
            code="too_long",
            length=len(text),
            limit=MAX_QUERY_CHARS,
        )
    builder = _Builder()
    for match in _TOKEN.finditer(text):
        _read_token(match, builder)
    return _finish(text, builder)


def _read_token(match: re.Match[str], builder: _Builder) -> None:
    if match["key"] is not None:
        _read_key(match["key"], _value(match), bool(match["neg"]), builder)
    elif match["phrase"] is not None:
        if match["pneg"]:
            raise _not_excludable(f'"{match["phrase"]}"')
        if match["phrase"].strip():
            builder.phrases.append(match["phrase"].strip())
    else:
        _read_word(match["word"], builder)


def _read_word(word: str, builder: _Builder) -> None:
    if word[:1] == "-" and word[1:2].isalpha():  # `-survey`: read as `survey`, it would find them
        raise _not_excludable(word[1:])
    if word.count('"') % 2 == 1:
        raise QuerySyntaxError(
            f'unclosed quote in {word}: add the closing "', code="unclosed_quote", word=word
        )
    if word.startswith(("#", "-#")) and len(word.lstrip("-#")) > 0:
        _read_key("tag", word.lstrip("-#"), word.startswith("-"), builder)
    elif word not in _OPERATORS:
        builder.words.append(word.replace('"', ""))


def _read_key(key: str, value: str, negated: bool, builder: _Builder) -> None:
    name = key.lower()
    if name not in KEYS:
        if not value:
            builder.words.append(key)  # `Michelangelo:` pasted from a title is just a word
            return
        known = ", ".join(k + ":" for k in KEYS)
        raise QuerySyntaxError(
            f"unknown key {key}: (known: {known})", code="unknown_key", key=key, known=known
        )
    if not value.strip():
        example = f"{name}:{_EXAMPLE_VALUES[name]}"
        raise QuerySyntaxError(
            f"{name}: needs a value, e.g. {example}", code="needs_value", key=name, example=example
        )
    if negated and name != "tag":
        raise _not_excludable(name)
    _KEY_READERS[name](value.strip(), negated, builder)


def _not_excludable(what: str) -> QuerySyntaxError:
    """A minus on anything but a tag (`-author:x`, `-survey`, `-"a phrase"`)."""
    return QuerySyntaxError(
        f"-{what}: is not supported: only tags can be excluded (-tag:survey)",
        code="not_excludable",
        key=what,
    )


def _read_tag(value: str, negated: bool, builder: _Builder) -> None:
    tags = tuple(dict.fromkeys(t for raw in value.split(",") if (t := normalize_tag(raw))))
    if not tags:
        raise QuerySyntaxError(
            f"tag:{value} names no tag: try tag:rlhf or tag:rlhf,dpo", code="no_tag", value=value
        )
    if negated:
        builder.excluded.extend(tags)
    else:
        builder.tag_groups.append(tags)


def _read_author(value: str, _negated: bool, builder: _Builder) -> None:
    builder.authors.append(fold(value))


def _read_date(key: str, value: str, builder: _Builder) -> None:
    if key in builder.dates:
        raise QuerySyntaxError(f"{key}: is given twice; keep one", code="date_twice", key=key)
    builder.dates[key] = _date_range(key, value)


def _date_range(key: str, value: str) -> tuple[date, date]:
    """The first and last day a `YYYY-MM` or `YYYY-MM-DD` value covers."""
    match = _DATE.fullmatch(_ascii_digits(key, value))
    if match is None:
        raise _bad_date(key, value)
    year, month = int(match[1]), int(match[2])
    try:
        if match[3] is not None:
            day = date(year, month, int(match[3]))
            return day, day
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except (ValueError, calendar.IllegalMonthError):
        raise _bad_date(key, value) from None


def _bad_date(key: str, value: str) -> QuerySyntaxError:
    message = _BAD_DATE.format(key=key, value=value)
    return QuerySyntaxError(message, code="bad_date", key=key, value=value)


def _read_id(value: str, _negated: bool, builder: _Builder) -> None:
    builder.note_id = value


def _ascii_digits(key: str, value: str) -> str:
    """The value with full-width digits read as 0-9; another script's digit (Arabic-Indic
    `٢`, Devanagari `२`) is refused by name rather than read (or taken for a word)."""
    read = full_width_digits(value)
    if (char := non_ascii_digit(read)) is not None:
        digit = unicodedata.decimal(char)
        raise QuerySyntaxError(
            f"{key}:{value}: {not_ascii_digit(char)}",
            code="not_ascii_digit",
            key=key,
            value=value,
            char=char,
            digit=digit,
        )
    return read


def _read_page(value: str, _negated: bool, builder: _Builder) -> None:
    value = _ascii_digits("page", value)
    # isdecimal, not isdigit: `²` is a digit that int() cannot read
    if not value.isdecimal() or not 1 <= int(value) <= MAX_PAGE:
        raise QuerySyntaxError(
            f"page:{value} is not a page number: use 1 to {MAX_PAGE}",
            code="bad_page",
            value=value,
            max=MAX_PAGE,
        )
    builder.page = int(value)


_KEY_READERS = {
    "tag": _read_tag,
    "author": _read_author,
    "since": lambda value, _neg, builder: _read_date("since", value, builder),
    "until": lambda value, _neg, builder: _read_date("until", value, builder),
    "date": lambda value, _neg, builder: _read_date("date", value, builder),
    "id": _read_id,
    "page": _read_page,
}

_EXAMPLE_VALUES = {
    "tag": "rlhf",
    "author": "arora",
    "since": "2024-06",
    "until": "2024-06-30",
    "date": "2024-06-10",
    "id": "2024-02-29-llama-3",
    "page": "2",
}


def _finish(text: str, builder: _Builder) -> Query:
    filters = len(set(builder.tag_groups)) + len(set(builder.authors))
    if filters > MAX_FILTERS:
        raise QuerySyntaxError(
            f"the query has {filters} tag: and author: filters; the limit is {MAX_FILTERS}",
            code="too_many_filters",
            count=filters,
            limit=MAX_FILTERS,
        )
    since, until = _bounds(builder.dates)
    query = Query(
        text=text,
        words=tuple(builder.words),
        phrases=tuple(builder.phrases),
        tag_groups=tuple(builder.tag_groups),
        excluded_tags=tuple(dict.fromkeys(builder.excluded)),
        authors=tuple(builder.authors),
        since=since,
        until=until,
        page=builder.page,
    )
    if builder.note_id is not None:
        if query != Query(text=text, page=builder.page, since=since, until=until):
            raise QuerySyntaxError(
                "id: shows one entry: use it alone, e.g. id:2024-02-29-llama-3", code="id_alone"
            )
        return replace(query, note_id=builder.note_id)
    return query


def _bounds(dates: dict[str, tuple[date, date]]) -> tuple[date | None, date | None]:
    if "date" in dates and ("since" in dates or "until" in dates):
        raise QuerySyntaxError(
            "date: cannot be combined with since: or until:", code="date_with_range"
        )
    since = (dates.get("date") or dates.get("since") or (None, None))[0]
    until = (dates.get("date") or dates.get("until") or (None, None))[1]
    if since is not None and until is not None and since > until:
        raise QuerySyntaxError(
            f"since:{since} is after until:{until}",
            code="since_after_until",
            since=since.isoformat(),
            until=until.isoformat(),
        )
    return since, until
