"""Escaping, truncation and splitting of untrusted text (platforms.md §1.2, §2.2).

Escape first, then add our own markup; truncate on the escaped string, never inside a URL, a
Slack link, an entity such as `&amp;` or a backslash escape, and never between a character and
its combining marks. Cuts prefer a word boundary, then a syllable (one Hangul block), then any
safe character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

__all__ = [
    "clean_console",
    "escape_discord",
    "escape_discord_plain",
    "escape_discord_url",
    "escape_slack",
    "escape_slack_url",
    "split_by_budget",
    "split_text",
    "truncate",
]

T = TypeVar("T")

ELLIPSIS = "…"
ZWSP = "\u200b"
ZWJ = "\u200d"

# A URL, without trailing punctuation; capped so one link never outgrows a Slack section.
_URL = re.compile(r"https?://[^\s<>\"`\[\]]{0,1990}[^\s<>\"`().,;:!?'\]\[*_~]")
_SLACK_AT = re.compile(r"@(?=here|channel|everyone)", re.IGNORECASE)
_DISCORD_AT = re.compile(r"@(?=everyone|here|[!&]?\d)", re.IGNORECASE)
_DISCORD_MD = re.compile(r"([\\*_~`|\[\]<])")
_DISCORD_LINE_START = re.compile(r"(?m)^(\s*)(#{1,3}\s|-#\s|>|[-+]\s|\d+\.\s)")
# Spans a cut must not fall inside: Slack links and entities, backslash escapes, Discord masked
# links and bare URLs. Matched one pattern at a time, since they can overlap.
_ATOMS = tuple(
    re.compile(pattern, re.DOTALL)
    for pattern in (
        r"<[^<>\n]*>",
        r"&#?\w+;",
        r"\\.",
        r"\[[^\]\n]*\]\([^)\s]*\)",
        r"https?://[^\s<>]+",
    )
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _split_urls(text: str) -> Iterable[tuple[bool, str]]:
    """Text as (is_url, segment) pairs, in order; a URL keeps its own closing parentheses."""
    start = 0
    for match in _URL.finditer(text):
        if match.start() < start:
            continue
        end = match.end()
        while text[match.start() : end].count("(") > text[match.start() : end].count(")") and (
            text[end : end + 1] == ")"
        ):
            end += 1
        if match.start() > start:
            yield False, text[start : match.start()]
        yield True, text[match.start() : end]
        start = end
    if start < len(text):
        yield False, text[start:]


def _slack_plain(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SLACK_AT.sub("@" + ZWSP, escaped)


def escape_slack_url(url: str) -> str:
    """A URL safe inside Slack's `<url|label>`: `&` as entity, `|<>@` percent-encoded."""
    encoded = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace("@", "%40")
    return encoded.replace("&", "&amp;")


def escape_discord_url(url: str) -> str:
    """A URL safe inside a Discord masked link `[label](url)` and as an embed `url`."""
    return url.replace("(", "%28").replace(")", "%29").replace("@", "%40")


def _slack_link(url: str) -> str:
    return f"<{escape_slack_url(url)}>"


def escape_slack(text: str, *, link_urls: bool = True) -> str:
    """Slack mrkdwn for untrusted text: `&<>` as entities, URLs as explicit `<url>` links.

    Escaping `<` neutralises `<!channel>`, `<@U…>` and every other special mention; a literal
    `@here`/`@channel`/`@everyone` gets a zero-width space after the `@` as extra insurance.
    With `link_urls=False` (link labels, titles) URLs are escaped as text, not linked.
    """
    parts = []
    for is_url, segment in _split_urls(text):
        if is_url and link_urls:
            parts.append(_slack_link(segment))
        else:
            parts.append(_slack_plain(segment))
    return "".join(parts)


def _discord_mentions(text: str) -> str:
    return _DISCORD_AT.sub("@" + ZWSP, text)


def escape_discord(text: str) -> str:
    """Discord markdown for untrusted text: markdown and mention syntax escaped, URLs kept.

    `allowed_mentions: {"parse": []}` is the real guard; this keeps `@everyone` and `<@123>`
    from even looking like mentions, and `*`, `_`, `~`, `` ` ``, `|` from formatting.
    """
    parts = []
    for is_url, segment in _split_urls(text):
        if is_url:
            parts.append(segment.replace("@", "%40"))
        else:
            parts.append(_discord_mentions(_DISCORD_MD.sub(r"\\\1", segment)))
    return _DISCORD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", "".join(parts))


def escape_discord_plain(text: str) -> str:
    """For Discord fields without markdown (footer, author, thread name): mentions only."""
    return _discord_mentions(text)


def clean_console(text: str) -> str:
    """Terminal-safe text: control characters (ANSI escapes among them) removed."""
    return _CONTROL.sub("", text)


def _is_extender(char: str) -> bool:
    """True for a character that belongs to the one before it (marks, selectors, modifiers)."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or char == ZWJ
    )


def _inside_atoms(text: str) -> list[bool]:
    """For each index, whether a cut there would split a link, entity, escape or URL."""
    inside = [False] * (len(text) + 1)
    for atom in _ATOMS:
        for match in atom.finditer(text):
            inside[match.start() + 1 : match.end()] = [True] * (match.end() - match.start() - 1)
    return inside


def _safe(text: str, i: int, inside: Sequence[bool]) -> bool:
    if i <= 0 or i >= len(text):
        return i >= 0
    if _is_extender(text[i]) or text[i - 1] == ZWJ:
        return False
    return not inside[i]


def _is_syllable(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3" or unicodedata.east_asian_width(char) in {"W", "F"}


def _best_cut(text: str, room: int, *, prefer_newline: bool = False) -> int:
    """The best index ≤ `room` to cut at: newline, then space, then syllable, then any safe."""
    inside = _inside_atoms(text[: room + 2048])
    floor = room // 2
    tests: list[Callable[[int], bool]] = [
        lambda i: text[i - 1] == " " or text[i] == " " or text[i] == "\n",
        lambda i: _is_syllable(text[i - 1]) or _is_syllable(text[i]),
        lambda i: True,
    ]
    if prefer_newline:
        tests.insert(0, lambda i: text[i] == "\n")
    for test in tests:
        for i in range(room, floor, -1):
            if test(i) and _safe(text, i, inside):
                return i
    for i in range(min(room, floor), 0, -1):
        if _safe(text, i, inside):
            return i
    return 0


def truncate(text: str, limit: int, *, suffix: str = "", ellipsis: str = ELLIPSIS) -> str:
    """`text` if it fits in `limit` characters, else a safe prefix, the ellipsis and `suffix`.

    `suffix` says how to see the rest (e.g. `/paper id:…`): a cut never drops text silently.
    """
    if len(text) <= limit:
        return text
    tail = ellipsis + suffix
    room = limit - len(tail)
    if room <= 0:
        return truncate(text, limit, suffix="", ellipsis=ellipsis) if suffix else ellipsis[:limit]
    cut = _best_cut(text, room)
    return text[:cut].rstrip() + tail


def split_text(text: str, limit: int) -> list[str]:
    """Split into chunks of ≤ `limit` characters at newlines or words; nothing is lost."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _best_cut(rest, limit, prefer_newline=True) or limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return chunks


def split_by_budget(
    items: Sequence[T],
    cost: Callable[[T], int],
    *,
    budget: int,
    max_items: int,
    size: Callable[[T], int] = lambda _: 1,
) -> list[list[T]]:
    """Pack items in order into groups whose sizes sum to ≤ `max_items` and costs to ≤ `budget`.

    An item over either limit on its own gets a group of its own; callers keep every item
    within the limits first.
    """
    groups: list[list[T]] = []
    current: list[T] = []
    used = count = 0
    for item in items:
        price, items_in = cost(item), size(item)
        if current and (used + price > budget or count + items_in > max_items):
            groups.append(current)
            current, used, count = [], 0, 0
        current.append(item)
        used += price
        count += items_in
    if current:
        groups.append(current)
    return groups
