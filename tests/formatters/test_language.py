"""One language at a time: every sentence of the catalogue and every grammar error, rendered in
each locale, is in that locale's language only; the core names sentences, it never writes them."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from bot.commands.channel import RUN_OUTCOMES, RUN_STATUSES
from bot.digest.settings import Origin
from bot.errors import QuerySyntaxError
from bot.models import Layout, Platform
from bot.replies import Text
from bot.search.query import ERROR_CODES, parse_query
from formatters.i18n import LOCALES, catalogue
from tests.formatters.language import foreign_words
from tests.formatters.renderers import RENDERERS
from tests.support.digests import crafted_digest, crafted_note

ROOT = Path(__file__).resolve().parents[2]

BAD_QUERIES = {
    "too_long": "word " * 120,
    "unclosed_quote": 'reward "model',
    "unknown_key": "colour:red",
    "needs_value": "tag:",
    "not_excludable": "-author:kim",
    "no_tag": "tag:,",
    "date_twice": "since:2024-01 since:2024-02",
    "bad_date": "since:2024-13",
    "bad_page": "rlhf page:0",
    "not_ascii_digit": "since:٢٠٢٤-06",
    "id_alone": "id:2024-02-29-llama-3 tag:rlhf",
    "date_with_range": "date:2024-06 since:2024-01",
    "since_after_until": "since:2024-06 until:2024-01",
    "too_many_filters": " ".join(f"tag:t{n}" for n in range(9)),
}


def _sample(template: str) -> dict[str, str]:
    """A value for each placeholder that is no language: a number, or a query key and value."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {
        name: "7" if name in {"count", "total", "page", "pages", "n"} else "tag:x" for name in names
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_sentence_is_in_its_own_language(locale: str) -> None:
    strings = catalogue()
    keys = sorted(strings.keys(locale))
    assert len(keys) > 100
    wrong = {}
    for key in keys:
        said = strings.t(locale, key, **_sample(strings._strings[locale][key]))
        if found := foreign_words(said, locale):
            wrong[key] = (said, found)
    assert wrong == {}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_grammar_error_is_said_in_the_users_language(locale: str) -> None:
    raised = {}
    for query in BAD_QUERIES.values():
        with pytest.raises(QuerySyntaxError) as caught:
            parse_query(query)
        raised[caught.value.code] = caught.value
    assert set(raised) == set(ERROR_CODES) == set(BAD_QUERIES)
    for code, error in raised.items():
        said = catalogue().text(locale, Text(f"query.{code}", error.params))
        assert said != str(error) or locale == "en"
        neutral = {name: "7" for name in error.params}  # what the user typed is theirs
        words = catalogue().text(locale, Text(f"query.{code}", neutral))
        assert foreign_words(words, locale) == [], (code, said)


def test_every_query_syntax_error_in_the_core_has_a_known_code() -> None:
    """A new grammar error without a catalogue sentence would reach a Korean user in English."""
    calls = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "QuerySyntaxError":
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                value = code.value if isinstance(code, ast.Constant) else None
                calls.append((path.name, node.lineno, value))
    assert calls and [c for c in calls if c[2] not in ERROR_CODES] == []
    for locale in LOCALES:
        assert {f"query.{c}" for c in ERROR_CODES} <= catalogue().keys(locale)


def test_run_outcomes_and_statuses_have_words() -> None:
    for locale in LOCALES:
        keys = catalogue().keys(locale)
        assert {f"channel.run_{o}" for o in RUN_OUTCOMES} <= keys
        assert {f"word.{s}" for s in RUN_STATUSES} <= keys


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("layout", list(Layout))
def test_slack_and_discord_digests_offer_following_each_paper_in_the_digests_language(
    locale: str, layout: Layout
) -> None:
    """Issue 12: each paper's Follow button is labelled in the digest's language; the terminal
    has `:react 🔔 <n>` instead of a button."""
    digest = crafted_digest([crafted_note(1), crafted_note(2)], layout=layout, locale=locale)
    word = {"ko": "🔔 구독 #rl #reasoning", "en": "🔔 Follow #rl #reasoning"}[locale]
    for platform, renderer in RENDERERS.items():
        shown = " ".join(str(p.to_json()) for p in renderer.render_digest(digest))
        expected = 0 if platform is Platform.CONSOLE else 2
        assert shown.count(word) == expected, platform
        assert ("Follow" in shown) == (locale == "en" and platform is not Platform.CONSOLE)


def test_every_origin_has_a_word() -> None:
    for locale in LOCALES:
        assert {f"word.{o.value}" for o in Origin} <= catalogue().keys(locale)
