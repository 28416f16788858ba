"""A DM digest as each renderer draws it: its own title, the subscriptions it matched in the
header, and under each paper the subscription that brought it, in the DM's language; each payload
valid for the platform (the sentences themselves are checked in both languages by
tests/formatters/test_language.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.digest.personal import Person, build_personal_digest
from bot.models import Platform
from bot.subscriptions.filters import parse_subscriptions
from formatters.i18n import LOCALES
from tests.formatters.renderers import RENDERERS
from tests.support.digests import crafted_note
from tests.support.discord_validation import schema_errors
from tests.support.slack_validation import slack_payload_errors

SINCE = datetime(2024, 9, 1, tzinfo=UTC)
ANN = Person(Platform.SLACK, "T1", "U1")


def _dm(locale: str) -> Any:
    subs = parse_subscriptions("tag:rl", SINCE) + parse_subscriptions("author:kim -tag:x", SINCE)
    notes = [
        crafted_note(1, tags=("rl",), authors=("Min Kim",)),
        crafted_note(2, tags=("vision",), authors=("Kim Lee",)),
        crafted_note(3, tags=("vision",), authors=("Lee",)),
    ]
    built = build_personal_digest(
        ANN, "dm:slot:2024-09-20T09:00", subs, [(n, SINCE) for n in notes], locale=locale
    )
    assert built is not None
    return built


def _text(payload: Any) -> str:
    return str(payload.to_json())


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("platform", list(Platform))
def test_a_dm_digest_says_why_each_paper_came(platform: Platform, locale: str) -> None:
    personal = _dm(locale)
    assert [n.title for n in personal.digest.notes] == ["Paper 1", "Paper 2"]
    assert personal.matched == {
        "2024-09-20-paper-1": ("tag:rl", "author:kim -tag:x"),
        "2024-09-20-paper-2": ("author:kim -tag:x",),
    }
    payloads = RENDERERS[platform].render_digest(personal.digest)
    header, first, second = (_text(p) for p in payloads)
    word = "matched" if locale == "en" else "구독"
    assert ("new notes for you" if locale == "en" else "새 노트 2편") in header
    assert f"{word}" in header and "tag:rl" in header
    assert "tag:rl · author:kim -tag:x" in first
    assert "author:kim -tag:x" in second and "tag:rl ·" not in second
    for payload in payloads:
        body = payload.to_json()
        if platform is Platform.SLACK:
            assert slack_payload_errors(body) == []
        elif platform is Platform.DISCORD:
            assert schema_errors({k: v for k, v in body.items() if k != "thread"}) == []
