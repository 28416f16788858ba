"""SlackRenderer: layouts, splitting within limits, escaping and the full-text route."""

from __future__ import annotations

import json

from bot.models import Layout
from formatters.slack_blocks import SlackRenderer
from tests.support.digests import adversarial_digest, crafted_digest, crafted_note
from tests.support.mentions import slack_mentions
from tests.support.slack_validation import slack_payload_errors, slack_texts

RENDER = SlackRenderer()


def test_thread_layout_is_a_header_then_one_reply_per_note() -> None:
    digest = crafted_digest([crafted_note(n) for n in range(1, 4)])
    messages = RENDER.render_digest(digest)
    assert [m.thread for m in messages] == [False, True, True, True]
    assert messages[0].blocks[0]["type"] == "header"
    header_text = json.dumps(messages[0].blocks, ensure_ascii=False)
    assert all(f"Paper {n}" in header_text for n in range(1, 4))
    assert "Paper 2" in json.dumps(messages[2].blocks)


def test_inline_layout_keeps_everything_in_channel_messages() -> None:
    digest = adversarial_digest(count=40, layout=Layout.INLINE)
    messages = RENDER.render_digest(digest)
    assert len(messages) > 1
    assert not any(m.thread for m in messages)
    for message in messages:
        assert slack_payload_errors(message.to_json()) == []


def test_sixty_five_hostile_notes_stay_within_limits_and_mention_free() -> None:
    messages = RENDER.render_digest(adversarial_digest())
    assert len(messages) >= 66
    for message in messages:
        payload = message.to_json()
        assert slack_payload_errors(payload) == []
        assert all(slack_mentions(text) == [] for text in slack_texts(payload))


def test_long_abstract_is_cut_with_the_way_to_the_full_text() -> None:
    note = crafted_note(1, abstract="word " * 2000)
    reply = RENDER.render_digest(crafted_digest([note]))[1]
    body = json.dumps(reply.to_json(), ensure_ascii=False)
    assert "…" in body
    assert "/paper id:2024-09-20-paper-1" in body
    buttons = next(b for b in reply.blocks if b["type"] == "actions")["elements"]
    assert buttons[0]["value"] == "id:2024-09-20-paper-1"


def test_title_links_to_first_link_and_authors_are_shortened() -> None:
    reply = RENDER.render_digest(crafted_digest([crafted_note(7)]))[1]
    text = reply.blocks[0]["text"]["text"]
    assert text.startswith("*<https://arxiv.org/abs/2409.00007|Paper 7>*")
    assert "Kim, Lee, Park +1" in text


def test_filter_and_overflow_are_shown_in_the_header() -> None:
    digest = crafted_digest([crafted_note(1)], filter_text="tag:rl <!here>", overflow=4)
    header = json.dumps(RENDER.render_digest(digest)[0].to_json(), ensure_ascii=False)
    assert "tag:rl &lt;!here&gt;" in header
    assert "4" in header and "/paper" in header


def test_english_locale_uses_english_strings() -> None:
    digest = crafted_digest([crafted_note(1)], locale="en")
    assert RENDER.render_digest(digest)[0].text.startswith("📚 Paper notes")


def test_empty_digest_is_still_a_valid_message() -> None:
    messages = RENDER.render_digest(crafted_digest([]))
    assert len(messages) == 1
    assert slack_payload_errors(messages[0].to_json()) == []


def test_inline_split_keeps_each_entry_in_one_message() -> None:
    messages = RENDER.render_digest(adversarial_digest(count=40, layout=Layout.INLINE))
    for part, message in enumerate(messages):
        types = [block["type"] for block in message.blocks]
        assert types[-1] != "divider"
        if part:
            assert types[0] == "divider"
            assert "(이어서" in message.text


def test_a_header_too_long_for_one_message_continues_in_its_thread() -> None:
    notes = [crafted_note(n, title=f"Paper {n} " + "long title words " * 12) for n in range(300)]
    messages = RENDER.render_digest(crafted_digest(notes))
    headers = [m for m in messages if "actions" not in {b["type"] for b in m.blocks}]
    assert len(headers) > 1
    assert messages[0].thread is False
    assert all(m.thread for m in messages[1:])
    for message in messages:
        assert slack_payload_errors(message.to_json()) == []
