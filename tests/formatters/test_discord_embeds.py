"""DiscordRenderer: layouts, embed packing within limits, mentions and the full-text route."""

from __future__ import annotations

import json

from bot.models import Layout
from formatters.discord_embeds import DiscordRenderer
from tests.support.digests import adversarial_digest, crafted_digest, crafted_note
from tests.support.discord_validation import discord_payload_errors, discord_texts, embed_total
from tests.support.mentions import discord_mentions

RENDER = DiscordRenderer()


def test_thread_layout_names_a_thread_and_puts_one_note_per_reply() -> None:
    messages = RENDER.render_digest(crafted_digest([crafted_note(n) for n in range(1, 4)]))
    assert [m.thread for m in messages] == [False, True, True, True]
    assert messages[0].thread_name == "2024-09-20 논문"
    assert [m.embeds[0]["title"] for m in messages[1:]] == ["Paper 1", "Paper 2", "Paper 3"]
    assert messages[1].embeds[0]["url"] == "https://arxiv.org/abs/2409.00001"


def test_every_payload_sets_allowed_mentions_to_nothing() -> None:
    for layout in Layout:
        for message in RENDER.render_digest(adversarial_digest(count=12, layout=layout)):
            assert message.to_json()["allowed_mentions"] == {"parse": []}


def test_inline_layout_packs_embeds_within_ten_and_six_thousand() -> None:
    messages = RENDER.render_digest(adversarial_digest(count=30, layout=Layout.INLINE))
    assert len(messages) > 3
    assert not any(m.thread for m in messages)
    for message in messages:
        assert len(message.embeds) <= 10
        assert embed_total(list(message.embeds)) <= 6000


def test_sixty_five_hostile_notes_stay_valid_and_mention_free() -> None:
    for message in RENDER.render_digest(adversarial_digest()):
        payload = message.to_json()
        assert discord_payload_errors(payload) == []
        assert all(discord_mentions(text) == [] for text in discord_texts(payload))


def test_long_abstract_is_cut_and_says_how_to_read_the_rest() -> None:
    reply = RENDER.render_digest(crafted_digest([crafted_note(1, abstract="word " * 2000)]))[1]
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert len(fields["초록"]) <= 1024
    assert fields["초록"].endswith("(전문 보기: /paper id:2024-09-20-paper-1)")


def test_colour_follows_the_first_tag() -> None:
    a, b, c = (crafted_note(1), crafted_note(2), crafted_note(3, tags=("survey",)))
    messages = RENDER.render_digest(crafted_digest([a, b, c]))
    colours = [m.embeds[0]["color"] for m in messages[1:]]
    assert colours[0] == colours[1] != colours[2]


def test_markdown_in_titles_is_escaped() -> None:
    note = crafted_note(1, title="*bold* _it_ `code`")
    reply = RENDER.render_digest(crafted_digest([note]))[1]
    assert reply.embeds[0]["title"] == "\\*bold\\* \\_it\\_ \\`code\\`"
    assert "\\*bold\\*" in json.loads(json.dumps(reply.to_json()))["embeds"][0]["title"]


def test_filter_and_overflow_appear_in_the_header_embed() -> None:
    digest = crafted_digest([crafted_note(1)], filter_text="tag:rl", overflow=3, locale="en")
    header = RENDER.render_digest(digest)[0].embeds[-1]
    assert {"name": "filter", "value": "tag:rl", "inline": False} in header["fields"]
    assert "+3 more matching notes: /paper tag:rl" in header["footer"]["text"]


def test_a_long_header_list_is_split_over_messages_within_limits() -> None:
    notes = [crafted_note(n, title=f"Paper {n} " + "long title words " * 12) for n in range(300)]
    messages = RENDER.render_digest(crafted_digest(notes))
    entries = [m for m in messages if "/paper id:" in m.embeds[0].get("footer", {}).get("text", "")]
    assert len(entries) == 300
    assert len(messages) - len(entries) > 1  # the header took several messages
    assert messages[0].thread_name and not messages[0].thread
    assert all(m.thread for m in messages[1:])
    for message in messages:
        assert discord_payload_errors(message.to_json()) == []
