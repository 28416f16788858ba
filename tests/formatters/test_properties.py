"""Hostile input on every platform: every payload stays valid and mention-free, nothing is lost."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from rich.text import Text

from bot.models import Digest, Platform
from tests.formatters.renderers import RENDERERS
from tests.support.discord_validation import discord_payload_errors, discord_texts
from tests.support.mentions import discord_mentions, slack_mentions
from tests.support.slack_validation import slack_payload_errors, slack_texts
from tests.support.strategies import digests

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _keys_reachable(digest: Digest, rendered: str) -> None:
    """Every note can be opened in full: its key is in the output (button, footer or id line)."""
    for note in digest.notes:
        assert note.key in rendered


@SETTINGS
@given(digests())
def test_slack_payloads_stay_valid_and_mention_free(digest: Digest) -> None:
    payloads = [p.to_json() for p in RENDERERS[Platform.SLACK].render_digest(digest)]
    assert payloads
    for payload in payloads:
        assert slack_payload_errors(payload) == []
        for text in slack_texts(payload):
            assert slack_mentions(text) == []
    _keys_reachable(digest, repr(payloads))


@SETTINGS
@given(digests())
def test_discord_payloads_stay_valid_and_mention_free(digest: Digest) -> None:
    payloads = [p.to_json() for p in RENDERERS[Platform.DISCORD].render_digest(digest)]
    assert payloads
    for payload in payloads:
        assert discord_payload_errors(payload) == []
        for text in discord_texts(payload):
            assert discord_mentions(text) == []
    _keys_reachable(digest, repr(payloads))


@SETTINGS
@given(digests())
def test_console_text_is_clean_and_markup_parses(digest: Digest) -> None:
    payloads = RENDERERS[Platform.CONSOLE].render_digest(digest)
    for payload in payloads:
        assert "\x1b" not in payload.plain
        Text.from_markup(payload.rich)  # raises MarkupError on broken markup
    _keys_reachable(digest, "\n".join(p.plain for p in payloads))
