"""PaperCommand: text in, a Reply out; user mistakes are replies, never exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.commands.paper import PaperCommand
from bot.commands.request import CommandRequest
from bot.ingest.importer import ingest_paths
from bot.models import Platform
from bot.replies import (
    ErrorView,
    HelpView,
    MessageView,
    NoteView,
    Reply,
    SearchResultsView,
    SharedNoteView,
    TagListView,
)
from tests.bot.commands.words import said
from tests.support.search import search_service


def _request(text: str, locale: str = "ko") -> CommandRequest:
    return CommandRequest(Platform.CONSOLE, "local", "terminal", "tester", text, locale)


@pytest.fixture
async def paper(app: App, seeds_dir: Path) -> PaperCommand:
    await ingest_paths([seeds_dir], app.notes, app.clock)
    return PaperCommand(search_service(app))


async def test_search_returns_a_page_of_five_with_cursors(paper: PaperCommand) -> None:
    reply = await paper.handle(_request("llm"))
    assert isinstance(reply.view, SearchResultsView)
    page = reply.view
    assert len(page.notes) == 5 and page.total > 5
    assert page.next_cursor == "llm page:2" and page.prev_cursor is None
    again = await paper.handle(_request(page.next_cursor))
    assert isinstance(again.view, SearchResultsView) and again.view.page == 2
    assert again.view.prev_cursor == "llm" and again.view.query_text == "llm"
    assert not {n.key for n in again.view.notes} & {n.key for n in page.notes}


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP"])
async def test_help_for_empty_text_and_help(paper: PaperCommand, text: str) -> None:
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, HelpView)
    assert any("tag:" in example for example in reply.view.examples)
    assert len(reply.view.meanings) == len(reply.view.examples)


async def test_help_speaks_the_users_language(paper: PaperCommand) -> None:
    korean = await paper.handle(_request("help", "ko"))
    english = await paper.handle(_request("help", "en"))
    assert isinstance(korean.view, HelpView) and isinstance(english.view, HelpView)
    assert said(korean.view.meanings[0], "ko") != said(english.view.meanings[0], "en")
    assert english.locale == "en" and korean.locale == "ko"
    assert english.view.examples[0] == "weight averaging"
    assert korean.view.examples[0] == "가중치 평균"


async def test_tags_lists_counts(paper: PaperCommand) -> None:
    reply = await paper.handle(_request("tags"))
    assert isinstance(reply.view, TagListView)
    assert reply.view.tags[0][1] >= reply.view.tags[-1][1]
    assert "efficient-training" in {tag for tag, _ in reply.view.tags}


async def test_id_shows_one_entry(paper: PaperCommand) -> None:
    reply = await paper.handle(_request("id:2024-02-29-llama-3"))
    assert isinstance(reply.view, NoteView) and reply.view.note.title == "Llama 3"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("tag:rlhf since:2024-13", "since:2024-13"),
        ("foo:bar", "foo:"),
        ('"open', '"open'),
        ("id:no-such-note", "no-such-note"),
    ],
)
async def test_errors_name_the_problem_and_give_three_examples(
    paper: PaperCommand, text: str, named: str
) -> None:
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, ErrorView)
    assert named in said(reply.view.message, "en") and named in said(reply.view.message, "ko")
    assert len(reply.view.examples) == 3


async def test_examples_in_errors_are_valid_queries(paper: PaperCommand) -> None:
    reply = await paper.handle(_request("foo:bar"))
    assert isinstance(reply.view, ErrorView)
    for example in reply.view.examples:
        answer = await paper.handle(_request(example))
        assert isinstance(answer.view, SearchResultsView) and answer.view.total > 0


async def test_a_new_sub_command_is_one_function(paper: PaperCommand) -> None:
    seen: list[str] = []

    async def subscribe(request: CommandRequest, rest: str) -> Reply:
        seen.append(f"{request.user}:{rest}")
        return Reply(HelpView(()), locale=request.locale)

    paper.register("subscribe", subscribe)
    await paper.handle(_request("subscribe tag:rlhf"))
    assert seen == ["tester:tag:rlhf"]
    with pytest.raises(ValueError, match="already registered"):
        paper.register("tags", subscribe)


async def test_next_pages_each_askers_own_last_search(paper: PaperCommand) -> None:
    await paper.handle(_request("llm"))
    other = CommandRequest(Platform.CONSOLE, "local", "terminal", "someone", "tag:rlhf")
    await paper.handle(other)
    mine = await paper.handle(_request("next"))
    assert isinstance(mine.view, SearchResultsView)
    assert (mine.view.query_text, mine.view.page) == ("llm", 2)
    theirs = await paper.handle(
        CommandRequest(Platform.CONSOLE, "local", "terminal", "someone", "next")
    )
    assert isinstance(theirs.view, MessageView)  # tag:rlhf has one page: the last already


async def test_share_is_a_visible_post_by_the_asker(paper: PaperCommand) -> None:
    request = CommandRequest(
        Platform.SLACK, "T1", "C1", "U1", "share id:2024-02-29-llama-3", user_name="Ana"
    )
    reply = await paper.handle(request)
    assert isinstance(reply.view, SharedNoteView) and not reply.ephemeral
    assert (reply.view.shared_by, reply.view.note.title) == ("Ana", "Llama 3")


@pytest.mark.parametrize("text", ["share ²", "page:²", "tag:rlhf page:³"])
async def test_superscript_digits_are_refused_not_raised(paper: PaperCommand, text: str) -> None:
    """`²` is a digit to str.isdigit() but not a number to int(): an error reply, not a crash."""
    await paper.handle(_request("llm"))
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, ErrorView)
    assert "²" in said(reply.view.message, "en") or "³" in said(reply.view.message, "en")


@pytest.mark.parametrize(
    "text", ["id:\x00", "share \x00", "tag:rlhf\x00", "-tag:\x00x", "llm\x00 page:2"]
)
async def test_a_nul_character_is_refused_on_every_engine(paper: PaperCommand, text: str) -> None:
    """PostgreSQL text cannot hold a NUL: said to the asker, never sent to the database."""
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, ErrorView)
    assert "U+0000" in said(reply.view.message, "en") and "U+0000" in said(reply.view.message, "ko")


@pytest.mark.parametrize(
    "text", ["id:\ud800", "share \udfff", "tag:\ud800", "-tag:x\udc80 llm", "llm\ud83d page:2"]
)
async def test_a_lone_surrogate_is_refused_on_every_engine(paper: PaperCommand, text: str) -> None:
    """JSON can carry half of a UTF-16 pair (`"\\ud800"`); UTF-8 cannot encode it, so the
    store could not be asked: said to the asker, naming the character, never raised."""
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, ErrorView)
    code = f"U+{ord(next(c for c in text if 0xD800 <= ord(c) <= 0xDFFF)):04X}"
    assert code in said(reply.view.message, "en") and code in said(reply.view.message, "ko")


async def test_nothing_found_in_a_date_range_says_what_the_search_finds_undated(
    paper: PaperCommand,
) -> None:
    """The seeds' one weight-averaging note is from 2024-01: since:2024-06 finds nothing, and
    the answer says the undated search finds it, naming the dates dropped and the query."""
    reply = await paper.handle(_request("가중치 평균 since:2024-06 page:2"))
    assert isinstance(reply.view, SearchResultsView) and not reply.view.notes
    undated = reply.view.undated
    assert undated is not None
    assert (undated.dates, undated.query_text, undated.total) == ("since:2024-06", "가중치 평균", 1)
    found = await paper.handle(_request(undated.query_text))
    assert isinstance(found.view, SearchResultsView) and found.view.total == undated.total


@pytest.mark.parametrize(
    "text",
    [
        "가중치 평균",  # found: nothing to offer
        "zzqxv since:2024-06",  # found nothing undated either
        "since:2030-01",  # only dates: nothing else to search by
        "zzqxv",  # no dates to drop
    ],
)
async def test_no_undated_offer_when_it_would_not_help(paper: PaperCommand, text: str) -> None:
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, SearchResultsView) and reply.view.undated is None


async def test_a_tag_no_note_has_is_named_with_the_nearest_tags_notes_have(
    paper: PaperCommand,
) -> None:
    """`tag:rhlf` (a typo) finds nothing: the answer says no note has #rhlf and offers the
    nearest tags notes have, most similar first, each with its count and its search, which
    finds that many notes."""
    reply = await paper.handle(_request("tag:rhlf"))
    assert isinstance(reply.view, SearchResultsView) and not reply.view.notes
    unknown = reply.view.unknown_tag
    assert unknown is not None and unknown.tag == "rhlf" and reply.view.undated is None
    assert [(n.tag, n.query_text) for n in unknown.nearest] == [
        ("rlhf", "tag:rlhf"),
        ("rl", "tag:rl"),
        ("rlaif", "tag:rlaif"),
    ]
    tags = (await paper.handle(_request("tags"))).view
    assert isinstance(tags, TagListView)
    counts = dict(tags.tags)
    for near in unknown.nearest:
        found = await paper.handle(_request(near.query_text))
        assert isinstance(found.view, SearchResultsView)
        assert found.view.total == near.count == counts[near.tag] > 0


async def test_the_offered_search_keeps_the_rest_of_the_query(paper: PaperCommand) -> None:
    """Words, the `#` form and dates stay as typed; only the tag changes, and `page:` goes.
    A tag no note has comes before the undated offer: dropping dates cannot find it."""
    reply = await paper.handle(_request("preference #RHLF since:2023-01 page:2"))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_tag is not None
    assert reply.view.unknown_tag.nearest[0].query_text == "preference #rlhf since:2023-01"
    assert reply.view.undated is None
    found = await paper.handle(_request(reply.view.unknown_tag.nearest[0].query_text))
    assert isinstance(found.view, SearchResultsView) and found.view.total > 0


async def test_a_korean_tag_typo_is_offered_the_korean_spelling(paper: PaperCommand) -> None:
    """`선호최적화` is the glossary's Korean spelling of #rlhf (no note is tagged with it, yet
    `tag:선호최적화` finds #rlhf's notes); one jamo wrong (`하`) is offered it, counted as #rlhf."""
    reply = await paper.handle(_request("tag:선호최적하"))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_tag is not None
    near = reply.view.unknown_tag.nearest[0]
    rlhf = await paper.handle(_request("tag:rlhf"))
    assert isinstance(rlhf.view, SearchResultsView)
    assert (near.tag, near.query_text) == ("선호최적화", "tag:선호최적화")
    assert near.count == rlhf.view.total


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("tag:rhlf -tag:rlhf", ["tag:rl -tag:rlhf", "tag:rlaif -tag:rlhf"]),
        ("tag:rhlf -tag:preference-optimization", ["tag:rl -tag:preference-optimization",
                                                    "tag:rlaif -tag:preference-optimization"]),
        ("reward #-rhlf", ["reward #rlhf", "reward #rl", "reward #rlaif"]),
    ],
)  # fmt: skip
async def test_every_offered_search_is_another_search_that_can_find_notes(
    paper: PaperCommand, text: str, offered: list[str]
) -> None:
    """A tag the query excludes (`-tag:rlhf`, or its alias) is not offered: the search with
    it in place of the typo finds nothing. `#-rhlf` is read as the tag `rhlf`, so the offers
    swap it too (they were the query as typed, three times)."""
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_tag is not None
    assert [n.query_text for n in reply.view.unknown_tag.nearest] == offered


@pytest.mark.parametrize(
    "text",
    [
        "tag:rlhf",  # found
        "tag:rlhf,rhlf",  # found: notes have one of the group
        "tag:rlhf tag:code",  # both tags are had, only not together
        "zzqxv -tag:rhlf",  # an excluded tag never makes a search find nothing
        "tag:preference-optimization zzqxv",  # an alias of #rlhf: notes have it
        "zzqxv since:2024-06",  # no tag at all
    ],
)
async def test_no_tag_offer_when_every_tag_is_one_notes_have(
    paper: PaperCommand, text: str
) -> None:
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_tag is None


async def test_a_tag_nothing_is_near_is_named_without_offers(paper: PaperCommand) -> None:
    reply = await paper.handle(_request("tag:zzqxv"))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_tag is not None
    assert (reply.view.unknown_tag.tag, reply.view.unknown_tag.nearest) == ("zzqxv", ())


async def test_an_author_no_note_has_is_named_with_the_nearest_authors_notes_have(
    paper: PaperCommand,
) -> None:
    """`author:behbahnai` (a typo) finds nothing: the answer says no note's authors match it
    and offers the nearest names notes have, each with its count and its search, which
    finds that many notes."""
    reply = await paper.handle(_request("author:behbahnai"))
    assert isinstance(reply.view, SearchResultsView) and not reply.view.notes
    unknown = reply.view.unknown_author
    assert unknown is not None and unknown.author == "behbahnai"
    assert reply.view.unknown_tag is None and reply.view.undated is None
    assert [(n.name, n.count, n.query_text) for n in unknown.nearest] == [
        ("Feryal Behbahani", 2, 'author:"Feryal Behbahani"')
    ]
    for near in unknown.nearest:
        found = await paper.handle(_request(near.query_text))
        assert isinstance(found.view, SearchResultsView) and found.view.total == near.count


@pytest.mark.parametrize(
    ("text", "typed", "offered"),
    [
        # the whole name, one word wrong; named as typed, offered as the notes write it
        ('author:"Feryal Behbhani"', "Feryal Behbhani", 'author:"Feryal Behbahani"'),
        # accents and case fold as matching folds them
        ('author:"PETAR VELICKOVIK"', "PETAR VELICKOVIK", 'author:"Petar Veličković"'),
        # the rest kept as typed, page: dropped; before the undated offer
        (
            "reward author:Behbahnai since:2023-01 page:2",
            "Behbahnai",
            'reward author:"Feryal Behbahani" since:2023-01',
        ),
    ],
)
async def test_the_offered_author_search_keeps_the_rest_of_the_query(
    paper: PaperCommand, text: str, typed: str, offered: str
) -> None:
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_author is not None
    assert reply.view.unknown_author.author == typed and reply.view.undated is None
    assert reply.view.unknown_author.nearest[0].query_text == offered
    found = await paper.handle(_request(offered))
    assert isinstance(found.view, SearchResultsView) and found.view.total > 0


async def test_a_korean_author_typo_is_offered_the_korean_name(
    app: App, paper: PaperCommand, tmp_path: Path
) -> None:
    """`김철슈` is one vowel from `김철수` (compared as jamo), who wrote two notes."""
    for day in ("2024-05-01", "2024-05-02"):
        notes = tmp_path / f"{day}.txt"
        notes.write_text(f"{day}\n선호 학습 {day}\n(김철수, 이영희)\n본문.\n#rlhf\n", "utf-8")
    await ingest_paths(sorted(tmp_path.glob("*.txt")), app.notes, app.clock)
    reply = await paper.handle(_request("author:김철슈"))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_author is not None
    near = reply.view.unknown_author.nearest[0]
    assert (near.name, near.count, near.query_text) == ("김철수", 2, "author:김철수")
    found = await paper.handle(_request(near.query_text))
    assert isinstance(found.view, SearchResultsView) and found.view.total == 2


def _offered(view: SearchResultsView) -> str | None:
    """Which offer a search that found nothing makes."""
    made = {"tag": view.unknown_tag, "author": view.unknown_author, "undated": view.undated}
    offers = [kind for kind, offer in made.items() if offer is not None]
    assert len(offers) <= 1, offers
    return offers[0] if offers else None


@pytest.mark.parametrize(
    ("text", "offer"),
    [
        ("author:behbahani", None),  # found
        ("author:behbahani zzqxv", None),  # the author has notes: the words find nothing
        ("author:behbahani author:rajput", None),  # both have notes, only not together
        ('author:"Feryal Owen"', "author"),  # both words had, never in one name
        ("author:lyu since:2030-01", "undated"),  # has notes, only not then
        ("author:behbahnai since:2030-01", "author"),  # before the undated offer
        ("tag:rhlf author:behbahnai since:2030-01", "tag"),  # the tag's comes first
        ("tag:rlhf author:behbahnai", "author"),  # the tag is had
    ],
)
async def test_offers_come_tag_then_author_then_undated(
    paper: PaperCommand, text: str, offer: str | None
) -> None:
    """Offers come tag, then author, then undated: the author's only when that `author:`
    filter on its own finds no note (then dropping the dates cannot help)."""
    reply = await paper.handle(_request(text))
    assert isinstance(reply.view, SearchResultsView) and _offered(reply.view) == offer


async def test_an_author_nothing_is_near_is_named_without_offers(paper: PaperCommand) -> None:
    reply = await paper.handle(_request("author:zzqxv"))
    assert isinstance(reply.view, SearchResultsView) and reply.view.unknown_author is not None
    assert (reply.view.unknown_author.author, reply.view.unknown_author.nearest) == ("zzqxv", ())
