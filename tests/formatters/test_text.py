"""Escaping, truncation and splitting: the properties the renderers rely on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formatters.text import (
    ELLIPSIS,
    escape_discord,
    escape_slack,
    split_by_budget,
    split_text,
    truncate,
)
from tests.support.mentions import discord_mentions, slack_mentions
from tests.support.strategies import hostile_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a & b", "a &amp; b"),
        ("<!channel> hi", "&lt;!channel&gt; hi"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("ping @here now", "ping @\u200bhere now"),
        ("x > y", "x &gt; y"),
    ],
)
def test_escape_slack_neutralises_control_characters(raw: str, expected: str) -> None:
    assert escape_slack(raw) == expected
    assert slack_mentions(escape_slack(raw)) == []


def test_escape_slack_links_urls_and_encodes_pipes() -> None:
    out = escape_slack("see https://a.io/x?a=1&b=2|c.")
    assert out == "see <https://a.io/x?a=1&amp;b=2%7Cc>."


def test_escape_slack_plain_keeps_urls_as_text() -> None:
    assert escape_slack("https://a.io/x&y", link_urls=False) == "https://a.io/x&amp;y"


@pytest.mark.parametrize(
    "raw", ["@everyone look", "@here", "<@123456789012345678>", "<@&123456789012345678>"]
)
def test_escape_discord_breaks_mentions(raw: str) -> None:
    assert discord_mentions(raw)
    assert discord_mentions(escape_discord(raw)) == []


def test_escape_discord_escapes_markdown_but_not_urls() -> None:
    out = escape_discord("*bold* _it_ https://a.io/some_path")
    assert out == "\\*bold\\* \\_it\\_ https://a.io/some_path"


def test_escape_discord_line_start_quote_and_heading() -> None:
    assert escape_discord("# big\n> quote") == "\\# big\n\\> quote"


def test_truncate_keeps_short_text() -> None:
    assert truncate("short", 10) == "short"


def test_truncate_cuts_at_word_and_adds_suffix() -> None:
    out = truncate("alpha beta gamma delta", 16, suffix=" (more)")
    assert out == "alpha…" + " (more)"
    assert len(out) <= 16


def test_truncate_never_cuts_inside_a_url_or_entity() -> None:
    text = "see <https://example.com/a/very/long/path> and &amp; more words here"
    for limit in range(5, len(text)):
        out = truncate(text, limit)
        assert len(out) <= limit
        body = out.removesuffix(ELLIPSIS)
        assert body.count("<") == body.count(">")
        assert not body.endswith(("&", "&amp", "&am", "&a"))


def test_truncate_cuts_korean_at_syllable() -> None:
    out = truncate("가나다라마바사아자차카타파하" * 3, 10)
    assert out == "가나다라마바사아자" + ELLIPSIS


def test_truncate_keeps_emoji_with_variation_selector_whole() -> None:
    text = "\u2764\ufe0f" * 10
    for limit in range(2, 12):
        body = truncate(text, limit).removesuffix(ELLIPSIS)
        assert not body.endswith("\u2764")


def test_split_text_loses_nothing_and_respects_limit() -> None:
    text = "\n".join(f"line {i} " + "word " * 30 for i in range(40))
    chunks = split_text(text, 500)
    assert all(len(c) <= 500 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_split_by_budget_respects_budget_and_count() -> None:
    groups = split_by_budget([5, 5, 5, 9, 1, 1, 1], lambda n: n, budget=10, max_items=2)
    assert groups == [[5, 5], [5], [9, 1], [1, 1]]


@settings(max_examples=200, deadline=None)
@given(raw=hostile_text.map(lambda t: t * 3), limit=st.integers(min_value=1, max_value=300))
def test_truncated_slack_text_never_breaks_a_link_or_entity(raw: str, limit: int) -> None:
    out = truncate(escape_slack(raw), limit, suffix=" (more)")
    assert len(out) <= limit
    body = out.removesuffix(" (more)").removesuffix(ELLIPSIS)
    assert body.count("<") == body.count(">")
    assert re.search(r"&[#\w]*$", body) is None or body.endswith(("&amp;", "&lt;", "&gt;"))


@settings(max_examples=200, deadline=None)
@given(raw=hostile_text.map(lambda t: t * 3), limit=st.integers(min_value=2, max_value=300))
def test_truncated_discord_text_never_ends_in_half_an_escape(raw: str, limit: int) -> None:
    out = truncate(escape_discord(raw), limit)
    body = out.removesuffix(ELLIPSIS)
    trailing = len(body) - len(body.rstrip("\\"))
    assert trailing % 2 == 0
    assert len(out) <= limit


@settings(max_examples=200, deadline=None)
@given(raw=hostile_text.map(lambda t: t * 5), limit=st.integers(min_value=20, max_value=400))
def test_split_text_keeps_every_word_within_the_limit(raw: str, limit: int) -> None:
    text = escape_slack(raw)
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_url_keeps_balanced_parentheses_but_not_trailing_punctuation() -> None:
    out = escape_slack("(see https://en.wikipedia.org/wiki/Mamba_(snake)). Next")
    assert out == "(see <https://en.wikipedia.org/wiki/Mamba_(snake)>). Next"
