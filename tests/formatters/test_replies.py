"""Command results on every platform: controls carry their state, payloads stay valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import Platform
from bot.replies import (
    ErrorView,
    HelpView,
    MessageView,
    NearAuthor,
    NearTag,
    NoteView,
    Reply,
    SearchResultsView,
    SharedNoteView,
    TagListView,
    Text,
    Undated,
    UnknownAuthor,
    UnknownTag,
    msg,
)
from formatters.discord_embeds import DiscordRenderer
from formatters.slack_blocks import SlackRenderer
from formatters.templating import Templates
from tests.formatters.renderers import RENDERERS
from tests.support.digests import crafted_note
from tests.support.discord_validation import discord_payload_errors, discord_texts
from tests.support.mentions import discord_mentions, slack_mentions
from tests.support.slack_validation import slack_payload_errors, slack_texts
from tests.support.strategies import hostile_text, huge_text, notes

PAGE = SearchResultsView(
    query_text="tag:rl",
    notes=tuple(crafted_note(n) for n in range(6, 11)),
    total=12,
    page=2,
    page_size=5,
    next_cursor="tag:rl page:3",
    prev_cursor="tag:rl page:1",
)


def _slack(reply: Reply) -> dict[str, Any]:
    payload = RENDERERS[Platform.SLACK].render_reply(reply).to_json()
    assert slack_payload_errors(payload) == []
    assert all(slack_mentions(t) == [] for t in slack_texts(payload))
    return payload


def _discord(reply: Reply) -> dict[str, Any]:
    payload = RENDERERS[Platform.DISCORD].render_reply(reply).to_json()
    assert discord_payload_errors(payload) == []
    assert discord_payload_errors(payload, "IncomingWebhookInteractionRequest") == []
    assert all(discord_mentions(t) == [] for t in discord_texts(payload))
    return payload


def _elements(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found = [b["accessory"] for b in payload["blocks"] if "accessory" in b]
    return found + [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_slack_search_page_has_paging_and_share_buttons() -> None:
    payload = _slack(Reply(PAGE, locale="en"))
    values = {e["action_id"]: e["value"] for e in _elements(payload) if "page" in e["action_id"]}
    assert values == {"paper.page.prev": "tag:rl page:1", "paper.page.next": "tag:rl page:3"}
    shares = [e["value"] for e in _elements(payload) if e["action_id"] == "paper.share"]
    assert shares == [f"id:2024-09-20-paper-{n}" for n in range(6, 11)]
    assert "page 2/3" in payload["text"]


def test_discord_search_page_has_components_with_custom_ids() -> None:
    payload = _discord(Reply(PAGE, locale="en"))
    ids = [c["custom_id"] for row in payload["components"] for c in row["components"]]
    assert ids[:2] == ["paper:page:tag:rl page:1", "paper:page:tag:rl page:3"]
    assert ids[2:] == [f"paper:share:2024-09-20-paper-{n}" for n in range(6, 11)]


def test_console_search_page_gives_text_hints() -> None:
    text = RENDERERS[Platform.CONSOLE].render_reply(Reply(PAGE, locale="en")).plain
    assert "next page: /paper next" in text and "previous page: /paper prev" in text
    assert "share to the channel: /paper share 6" in text  # the number shown, not a long id


def test_a_cursor_too_long_for_a_button_becomes_a_hint() -> None:
    view = SearchResultsView("q", PAGE.notes, 12, next_cursor="c" * 2500)
    slack = _slack(Reply(view, locale="en"))
    assert not [e for e in _elements(slack) if e["action_id"] == "paper.page.next"]
    assert "c" * 2500 in json.dumps(slack)
    discord = _discord(Reply(view, locale="en"))
    ids = [c["custom_id"] for row in discord["components"] for c in row["components"]]
    assert not any(i.startswith("paper:page:") for i in ids)
    assert "next page" in discord["embeds"][0]["footer"]["text"]


def test_replies_are_ephemeral_by_default_and_say_so() -> None:
    assert Reply(HelpView(("/paper help",))).ephemeral
    shown = json.dumps(_slack(Reply(HelpView(("/paper help",)), locale="en")))
    assert "Only you can see this." in shown
    public = json.dumps(_slack(Reply(HelpView(("/paper help",)), ephemeral=False, locale="en")))
    assert "Only you can see this." not in public


@pytest.mark.parametrize("platform", list(Platform))
def test_note_in_full_shows_more_of_the_abstract_than_a_digest(platform: Platform) -> None:
    note = crafted_note(1, abstract="sentence number one. " * 150)
    reply = RENDERERS[platform].render_reply(Reply(NoteView(note)))
    digest_abstract = 1000
    assert json.dumps(reply.to_json(), ensure_ascii=False).count("sentence") * 21 > digest_abstract


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_a_search_that_found_nothing_offers_the_undated_search_on_every_platform(
    locale: str,
) -> None:
    undated = Undated("since:2024-06", "weight <!channel> averaging", 3)
    reply = Reply(SearchResultsView("x since:2024-06", (), 0, undated=undated), locale=locale)
    slack = json.dumps(_slack(reply), ensure_ascii=False)
    discord = json.dumps(_discord(reply), ensure_ascii=False)
    console = RENDERERS[Platform.CONSOLE].render_reply(reply).plain
    for shown in (slack, discord, console):
        assert "since:2024-06" in shown and "3" in shown
        assert "/paper weight" in shown and "averaging" in shown
    assert "Without since:2024-06, 3 notes match: /paper weight" in console or locale == "ko"
    plain = Reply(SearchResultsView("x since:2024-06", (), 0), locale=locale)
    assert "/paper weight" not in RENDERERS[Platform.CONSOLE].render_reply(plain).plain


def test_the_undated_offer_counts_one_note_in_the_singular() -> None:
    one = Reply(SearchResultsView("x", (), 0, undated=Undated("date:2024-06", "x", 1)))
    english = Reply(one.view, locale="en")
    assert "1 note matches" in RENDERERS[Platform.CONSOLE].render_reply(english).plain


NEAR = (
    NearTag("rlhf", 12, "reward tag:rlhf"),
    NearTag("rl<!here>aif", 3, "reward tag:rl<!here>aif"),
)
SAID = {
    "en": "No note has the tag #rhlf. Nearest tags: #rlhf (12), #rl",
    "ko": "#rhlf 태그가 붙은 노트가 없습니다. 가까운 태그: #rlhf (12편), #rl",
}


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_a_tag_no_note_has_is_named_with_the_nearest_tags_on_every_platform(
    locale: str,
) -> None:
    """The line names the tag and the nearest tags with their counts on every platform (tags
    escaped: `<!here>` pings no one); the terminal lists each search to type."""
    unknown = UnknownTag("rhlf", NEAR)
    reply = Reply(SearchResultsView("reward tag:rhlf", (), 0, unknown_tag=unknown), locale=locale)
    slack = " ".join(slack_texts(_slack(reply)))
    discord = " ".join(discord_texts(_discord(reply)))
    console = RENDERERS[Platform.CONSOLE].render_reply(reply).plain
    for shown in (slack, discord, console):
        assert SAID[locale] in shown and "aif (3" in shown
    assert "  /paper reward tag:rlhf\n  /paper reward tag:rl<!here>aif" in console
    far = Reply(SearchResultsView("tag:zzqxv", (), 0, unknown_tag=UnknownTag("zzqxv")), locale="en")
    line = "No note has the tag #zzqxv; /paper tags lists the tags notes have."
    assert line in RENDERERS[Platform.CONSOLE].render_reply(far).plain
    assert line in " ".join(slack_texts(_slack(far)))
    assert line in " ".join(discord_texts(_discord(far)))


def test_each_near_tag_is_a_page_button_carrying_its_search() -> None:
    """A click runs the search with that tag (`paper.page.next` / `paper:page:<query>`, so the
    answer is edited into its results); on Slack one button to a block (distinct action ids
    in a block); a search too long for Discord's 100-character custom_id keeps only the line."""
    longer = NearTag("rlaif", 1, "tag:rlaif " + "word " * 20)
    unknown = UnknownTag("rhlf", (*NEAR, longer))
    reply = Reply(SearchResultsView("x tag:rhlf", (), 0, unknown_tag=unknown), locale="ko")
    slack = _slack(reply)
    shown = [(e["action_id"], e["value"], e["text"]["text"]) for e in _elements(slack)]
    assert shown == [
        ("paper.page.next", "reward tag:rlhf", "#rlhf (12편)"),
        ("paper.page.next", "reward tag:rl<!here>aif", "#rl&lt;!here&gt;aif (3편)"),
        ("paper.page.next", longer.query_text, "#rlaif (1편)"),
    ]
    assert [b["type"] for b in slack["blocks"]].count("actions") == 3
    discord = _discord(reply)
    buttons = [c for row in discord["components"] for c in row["components"]]
    assert [(b["custom_id"], b["label"]) for b in buttons] == [
        ("paper:page:reward tag:rlhf", "#rlhf (12편)"),
        ("paper:page:reward tag:rl<!here>aif", "#rl<!here>aif (3편)"),
    ]
    assert "#rlaif (1편)" in " ".join(discord_texts(discord))


NEAR_AUTHORS = (
    NearAuthor("Geoffrey Hinton", 2, 'reward author:"Geoffrey Hinton"'),
    NearAuthor("Ge<!here>off *Hint*", 1, 'reward author:"Ge<!here>off *Hint*"'),
)


@pytest.mark.parametrize(
    ("locale", "said", "count"),
    [
        ("en", "No note has an author matching “Geoffery Hinton”. Nearest authors: ", "(2)"),
        ("ko", "“Geoffery Hinton”에 맞는 저자의 노트가 없습니다. 가까운 저자: ", "(2편)"),
    ],
)
def test_an_author_no_note_has_is_named_with_the_nearest_authors_on_every_platform(
    locale: str, said: str, count: str
) -> None:
    """The line names the author as typed and the nearest names with their counts on every
    platform (names escaped: `<!here>` pings no one); the terminal lists each search to
    type; Slack and Discord give each a page button carrying its search."""
    unknown = UnknownAuthor("Geoffery Hinton", NEAR_AUTHORS)
    text = 'reward author:"Geoffery Hinton"'
    reply = Reply(SearchResultsView(text, (), 0, unknown_author=unknown), locale=locale)
    slack, discord = _slack(reply), _discord(reply)
    console = RENDERERS[Platform.CONSOLE].render_reply(reply).plain
    for shown in (" ".join(slack_texts(slack)), " ".join(discord_texts(discord)), console):
        assert f"{said}Geoffrey Hinton {count}, Ge" in shown and "here" in shown
    assert '  /paper reward author:"Geoffrey Hinton"\n  /paper reward author:"Ge<!here>' in console
    shown = [(e["action_id"], e["value"], e["text"]["text"]) for e in _elements(slack)]
    assert shown[0] == (
        "paper.page.next",
        'reward author:"Geoffrey Hinton"',
        f"Geoffrey Hinton {count}",
    )
    assert shown[1][2].startswith("Ge&lt;!here&gt;off *Hint*")
    buttons = [c for row in discord["components"] for c in row["components"]]
    assert [b["custom_id"] for b in buttons] == [f"paper:page:{n.query_text}" for n in NEAR_AUTHORS]
    assert buttons[0]["label"] == f"Geoffrey Hinton {count}"
    far = UnknownAuthor("zzqxv")
    none = Reply(SearchResultsView("author:zzqxv", (), 0, unknown_author=far), locale="en")
    line = "No note has an author matching “zzqxv”, and no author notes have is named near it."
    assert line in RENDERERS[Platform.CONSOLE].render_reply(none).plain
    assert line in " ".join(slack_texts(_slack(none)))
    assert line in " ".join(discord_texts(_discord(none)))
    assert _elements(_slack(none)) == [] and not _discord(none).get("components")


def test_empty_search_and_many_tags_stay_valid() -> None:
    for reply in (
        Reply(SearchResultsView("<!channel>", (), 0)),
        Reply(TagListView(tuple((f"tag{n}", n) for n in range(3000)))),
        Reply(TagListView(())),
        Reply(ErrorView(msg("query.bad_date", key="since", value="<@U123>"), ("since:2024-03",))),
        Reply(MessageView("filter: tag:rl <!channel> @everyone\nschedule: 0 9 * * *")),
        Reply(MessageView(lines=(msg("channel.filter", filter="<!channel> @everyone"),))),
    ):
        _slack(reply)
        _discord(reply)
        assert RENDERERS[Platform.CONSOLE].render_reply(reply).plain


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=huge_text(),
    found=st.lists(notes(), max_size=5, unique_by=lambda n: n.key),  # keys are unique
    cursor=st.one_of(st.none(), hostile_text),
    message=hostile_text,
)
def test_hostile_replies_stay_valid_everywhere(
    query: str, found: list[Any], cursor: str | None, message: str
) -> None:
    near = tuple(
        NearTag(message + str(i), i, f"{query[: 500 - i]} #{i}") for i in range(1, 4)
    )  # distinct queries, as `Query.with_tag` offers them
    views = [
        SearchResultsView(query, tuple(found), len(found) + 7, next_cursor=cursor),
        SearchResultsView(query, (), 0, unknown_tag=UnknownTag(message * 3, near)),
        ErrorView(Text("query.unknown_key", {"key": message, "known": query}), (query[:200],)),
        MessageView(query, (msg("channel.paused", reason=message),)),
        *[NoteView(note) for note in found[:2]],
        *[SharedNoteView(note, message) for note in found[:1]],
    ]
    for view in views:
        _slack(Reply(view))
        _discord(Reply(view))
        RENDERERS[Platform.CONSOLE].render_reply(Reply(view))


def test_overlong_team_templates_are_cut_back_to_the_message_budgets(tmp_path: Path) -> None:
    for platform in ("slack", "discord"):
        (tmp_path / platform).mkdir()
        (tmp_path / platform / "entry.j2").write_text("{{ (e.commentary ~ ' ') * 40 }}")
    templates = Templates(tmp_path)
    note = crafted_note(1, commentary="긴 코멘트 " * 400, abstract="word " * 3000)
    slack = SlackRenderer(templates=templates).render_reply(Reply(NoteView(note)))
    assert slack_payload_errors(slack.to_json()) == []
    discord = DiscordRenderer(templates=templates).render_reply(Reply(NoteView(note)))
    assert discord_payload_errors(discord.to_json()) == []


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_a_shared_note_is_a_visible_post_naming_the_sharer_without_a_ping(locale: str) -> None:
    note = crafted_note(1)
    reply = Reply(SharedNoteView(note, "Ana <@U1> @here"), ephemeral=False, locale=locale)
    by = {"en": "📌 Shared by Ana", "ko": "📌 Ana"}[locale]
    only_you = {"en": "Only you can see this.", "ko": "나에게만 보이는 메시지입니다."}[locale]
    slack = _slack(reply)  # no live mention anywhere (checked inside)
    assert slack["blocks"][0]["elements"][0]["text"].startswith(by)
    assert "Paper 1" in json.dumps(slack) and only_you not in json.dumps(slack, ensure_ascii=False)
    discord = _discord(reply)
    assert discord["content"].startswith(by) and discord["allowed_mentions"] == {"parse": []}
    assert discord["embeds"][0]["title"] == "Paper 1"
    console = RENDERERS[Platform.CONSOLE].render_reply(reply).plain
    assert console.startswith(by) and "Paper 1" in console and only_you not in console
