"""Search over the sample corpus, on SQLite and PostgreSQL (the `app` fixture runs both)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.models import Note, NoteSource
from bot.search.query import parse_query
from bot.search.service import SearchService
from bot.search.text import fold
from tests.support.clock import FixedClock
from tests.support.search import keys_for, search_service
from tests.support.sql_events import statements

WARM = "2024-01-23-warm-on-the-benefits-of-weight-averaged-reward-models"
SAE = "2024-06-10-scaling-and-evaluating-sparse-autoencoders"
ARORA = "2024-02-29-keeping-llms-aligned-after-fine-tuning-the-crucial-role-of"
CLAUDE = "2024-06-10-claude-s-character"


async def test_korean_particles_do_not_matter(seeded: SearchService) -> None:
    with_particle = await keys_for(seeded, "평가를")
    bare = await keys_for(seeded, "평가")
    assert with_particle == bare
    assert "2024-09-20-michelangelo-long-context-evaluations-beyond-haystacks-via" in bare


@pytest.mark.parametrize("word", ["편향", "정렬", "수학"])
async def test_two_syllable_korean_words_find_notes_that_use_them(
    seeded: SearchService, word: str
) -> None:
    keys = await keys_for(seeded, word)
    assert keys
    notes = await seeded._notes.get(keys)
    assert any(word in note.commentary for note in notes)


async def test_korean_query_finds_note_that_says_it_in_english(seeded: SearchService) -> None:
    assert (await keys_for(seeded, "희소 오토인코더가"))[0] == SAE
    assert (await keys_for(seeded, "가중치 평균"))[0] == WARM


async def test_english_prefix_matches_longer_words(seeded: SearchService) -> None:
    assert (await keys_for(seeded, "interpretab"))[0] == SAE


async def test_exact_phrase_requires_the_words_together(seeded: SearchService) -> None:
    assert await keys_for(seeded, '"weight averaging"') == [WARM]
    assert await keys_for(seeded, '"weight reward"') == []


async def test_exact_phrase_with_a_partial_last_word_checks_the_text(
    seeded: SearchService,
) -> None:
    # `autoenc` is no indexed word, so no word pair holds it: the phrase is found in the text.
    assert SAE in await keys_for(seeded, '"sparse autoenc"')
    assert SAE in await keys_for(seeded, '"sparse autoencoders"')


async def test_title_and_tag_matches_rank_first(seeded: SearchService) -> None:
    keys = await keys_for(seeded, "rlhf")
    assert set(keys[:4]) >= {WARM, "2024-09-20-language-models-learn-to-mislead-humans-via-rlhf"}


@pytest.mark.parametrize(
    "spelling", ["tag:efficient_training", "tag:efficient-training", "#Efficient_Training"]
)
async def test_tag_spellings_meet(seeded: SearchService, spelling: str) -> None:
    keys = await keys_for(seeded, spelling)
    assert len(keys) == 5
    assert "2024-01-23-zero-bubble-pipeline-parallelism" in keys  # written #efficient_training


async def test_tag_filters_combine(seeded: SearchService) -> None:
    both = await keys_for(seeded, "tag:rlhf tag:alignment")
    either = await keys_for(seeded, "tag:rlhf,rlaif")
    without = await keys_for(seeded, "tag:alignment -tag:rlhf")
    assert len(both) == 2 and WARM not in both
    assert len(either) == 4
    assert CLAUDE in without and not set(without) & set(both)


async def test_tag_aliases_from_the_glossary(seeded: SearchService) -> None:
    assert await keys_for(seeded, "tag:선호최적화") == await keys_for(seeded, "tag:rlhf")


async def test_filter_only_queries_list_newest_first(seeded: SearchService) -> None:
    page = await seeded.search(parse_query("tag:benchmark"), page_size=10)
    days = [hit.note.day for hit in page.hits]
    assert days == sorted(days, reverse=True)
    assert not page.ranked and {hit.score for hit in page.hits} == {0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("author:arora", {ARORA}),
        ('author:"Sanjeev Arora"', {ARORA}),
        ("author:ARORA", {ARORA}),
        ("author:rame", {WARM}),
        ("author:Ramé", {WARM}),
        ("author:anthropic", {CLAUDE}),
    ],
)
async def test_authors_any_part_case_and_accent_insensitive(
    seeded: SearchService, text: str, expected: set[str]
) -> None:
    assert set(await keys_for(seeded, text)) == expected


async def test_a_plain_keyword_also_reads_the_authors(seeded: SearchService) -> None:
    """README: keywords cover title, authors, abstract, commentary and tags; "Arora" is only
    in that note's author line."""
    note = (await seeded._notes.get([ARORA]))[0]
    assert "arora" not in fold(f"{note.title} {note.abstract} {note.commentary} {note.tags}")
    assert ARORA in await keys_for(seeded, "arora")


async def test_author_words_must_belong_to_one_name(seeded: SearchService) -> None:
    assert await keys_for(seeded, 'author:"Sanjeev Lyu"') == []
    assert len(await keys_for(seeded, "author:lyu")) == 2


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("date:2024-06-10", date(2024, 6, 10), date(2024, 6, 10)),
        ("since:2024-06", date(2024, 6, 10), date(2024, 9, 20)),
        ("until:2024-02-29", date(2024, 1, 23), date(2024, 2, 29)),
        ("since:2024-02 until:2024-03 llm", date(2024, 2, 29), date(2024, 3, 14)),
    ],
)
async def test_date_ranges(seeded: SearchService, text: str, first: date, last: date) -> None:
    page = await seeded.search(parse_query(text), page_size=50)
    days = {hit.note.day for hit in page.hits}
    assert days and min(days) == first and max(days) == last


async def test_pages_of_five_with_cursors(seeded: SearchService) -> None:
    first = await seeded.search(parse_query("llm"))
    assert len(first.hits) == 5 and first.total > 10
    assert first.prev_cursor is None and first.next_cursor == "llm page:2"
    second = await seeded.search(parse_query(first.next_cursor))
    assert second.prev_cursor == "llm"
    assert not {h.note.key for h in first.hits} & {h.note.key for h in second.hits}
    everything = await keys_for(seeded, "llm", page_size=first.total)
    assert [h.note.key for h in first.hits + second.hits] == everything[:10]


async def test_page_past_the_end_is_empty_but_counts(seeded: SearchService) -> None:
    page = await seeded.search(parse_query("tag:rlhf page:9"))
    assert page.hits == () and page.total == 3 and page.next_cursor is None


@pytest.mark.parametrize(
    "text", ["NEAR(reward model)", "reward*", '"AND" OR NOT', "'; DROP TABLE notes; --", "%_%"]
)
async def test_full_text_syntax_never_errors(seeded: SearchService, text: str) -> None:
    await seeded.search(parse_query(text))
    assert await keys_for(seeded, "tag:rlhf")  # nothing was harmed


@pytest.mark.parametrize(
    "text",
    [
        "zqxword 가중치zqx",
        '"zqx phrase"',
        "tag:zqxtag,rlhf -tag:zqxout",
        'author:zqxname author:"zqx two"',
        "zqxword tag:rlhf author:zqxname since:2024-01 page:2",
        "id:2024-01-23-zqx",
        "'; DROP TABLE notes; -- zqx",
    ],
)
async def test_user_text_reaches_sql_only_as_bound_parameters(
    seeded: SearchService, app: App, text: str
) -> None:
    """README: user text only ever reaches SQL as bound parameters; no statement the engine
    runs for a query holds any of it (`zqx` marks every value typed)."""
    query = parse_query(text)
    with statements(app.engine) as seen:
        if query.note_id is not None:
            await seeded.entry(query.note_id)
        else:
            await seeded.search(query)
    assert seen
    assert not [statement for statement in seen if "zqx" in statement.lower()]


async def test_stopword_only_query_finds_nothing(seeded: SearchService) -> None:
    page = await seeded.search(parse_query("the of"))
    assert page.total == 0


def _note(key: str, title: str, commentary: str, position: int = 0) -> Note:
    return Note(
        key=key,
        day=date(2024, 5, 1),
        title=title,
        commentary=commentary,
        source=NoteSource("f.txt", position + 1),
        position=position,
    )


async def test_index_follows_ingest_edits_and_retractions(app: App, clock: FixedClock) -> None:
    service = search_service(app)
    store = app.notes
    first = [_note("k-a", "Alpha paper", "가중치 평균 실험"), _note("k-b", "Beta", "편향", 1)]

    async def ingest(notes: list[Note]) -> None:
        clock.advance(timedelta(minutes=1))
        await store.replace_file(
            "f.txt",
            date(2024, 5, 1),
            notes,
            file_hash=str(len(notes)) + notes[0].commentary,
            parser_version=1,
            now=clock.now(),
        )

    await ingest(first)
    assert await keys_for(service, "평균") == ["k-a"]
    await ingest([replace(first[0], commentary="양자화 실험")])
    assert await keys_for(service, "평균") == []
    assert await keys_for(service, "양자화") == ["k-a"]
    assert await keys_for(service, "편향") == []  # k-b left the file: retracted, out of search
    assert await service.entry("k-b") is not None
    await ingest(first)
    assert await keys_for(service, "편향") == ["k-b"]


async def test_unchanged_reingest_keeps_results(app: App, seeds_dir) -> None:  # type: ignore[no-untyped-def]
    from bot.ingest.importer import ingest_paths

    service = search_service(app)
    await ingest_paths([seeds_dir], app.notes, app.clock)
    before = await service.search(parse_query("가중치 평균 rlhf"), page_size=20)
    await ingest_paths([seeds_dir], app.notes, app.clock)
    after = await service.search(parse_query("가중치 평균 rlhf"), page_size=20)
    assert before == after


async def test_tag_counts_most_used_first(seeded: SearchService) -> None:
    tags = await seeded.tags()
    counts = {t.tag: t.count for t in tags}
    assert counts["efficient-training"] == 5 and counts["rlhf"] == 3
    assert [t.count for t in tags] == sorted((t.count for t in tags), reverse=True)


async def test_several_words_want_notes_with_all_of_them(seeded: SearchService) -> None:
    both = await keys_for(seeded, "transformer rnn")
    assert both == ["2024-02-29-rnns-are-not-transformers-yet-the-key-bottleneck-on-in"]


async def test_when_no_note_has_every_word_any_will_do(seeded: SearchService) -> None:
    keys = await keys_for(seeded, "rlhf 양자화")
    assert WARM in keys and "2024-09-20-scaling-fp8-training-to-trillion-token-llms" in keys


async def test_a_short_author_part_matches_whole_a_longer_one_by_prefix(
    seeded: SearchService,
) -> None:
    notes = [n async for n in seeded._notes.iter_notes(include_retracted=False)]

    def with_part(test: Callable[[str], bool]) -> set[str]:
        return {n.key for n in notes if any(test(p) for a in n.authors for p in fold(a).split())}

    exact = with_part(lambda part: part == "li")
    assert exact and exact != with_part(lambda part: part.startswith("li"))
    assert set(await keys_for(seeded, "author:li")) == exact  # not Lin, Liu, Liang
    assert set(await keys_for(seeded, "author:lia")) == with_part(lambda p: p.startswith("lia"))


async def test_a_tag_or_author_word_longer_than_an_index_term_is_still_found(
    app: App, tmp_path: Path
) -> None:
    """The index keeps at most 64 characters of a term (`#tag`, `@author-word`); notes keep
    tags of up to 200. A query must cut its terms the same way, or `tag:` and `author:` find
    nothing for a note that has exactly that tag or author."""
    from bot.ingest.importer import ingest_paths

    tag, name = (
        "t" * 120,
        "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessen",
    )
    notes = tmp_path / "2024-05-01.txt"
    notes.write_text(f"2024-05-01\nLong Names\n({name})\n긴 태그.\n#{tag} #short\n", "utf-8")
    await ingest_paths([notes], app.notes, app.clock)
    service = search_service(app)
    key = "2024-05-01-long-names"
    assert await keys_for(service, "tag:short") == [key]
    assert await keys_for(service, f"tag:{tag}") == [key]
    assert await keys_for(service, f"tag:{tag} names") == [key]
    assert await keys_for(service, f"-tag:{tag} names") == []
    assert await keys_for(service, f"author:{name}") == [key]
    assert await keys_for(service, f"author:{name[:70]}") == [key]
    counts = {t.tag: t.count for t in await service.tags()}  # what the tag menu offers
    assert counts[tag] == 1 and counts["short"] == 1 and len(counts) == 2


async def test_a_long_tag_finds_only_its_notes_not_those_sharing_its_first_characters(
    app: App, tmp_path: Path
) -> None:
    """The index cuts a tag to 63 characters (`#` and 63 make a term), so a tag of 70 and one
    of 63 that start alike share a term: `tag:` found, and `-tag:` dropped, the notes of every
    tag sharing it. Where a query's tag has such a term, the notes' stored tags decide; on the
    list, ranking, found-first and exclusion paths alike."""
    from bot.ingest.importer import ingest_paths

    stem = "t" * 63
    tags = {"long": stem + "a" * 7, "longer": stem + "b" * 40, "whole": stem}
    for n, (title, tag) in enumerate(tags.items(), start=1):
        notes = tmp_path / f"2024-05-0{n}.txt"
        notes.write_text(f"2024-05-0{n}\n{title} names\n(Kim)\n본문.\n#{tag} #short\n", "utf-8")
    await ingest_paths(sorted(tmp_path.glob("*.txt")), app.notes, app.clock)
    service = search_service(app)
    key = {title: f"2024-05-0{n}-{title}-names" for n, title in enumerate(tags, start=1)}
    for title, tag in tags.items():
        for query in (
            f"tag:{tag}",  # the tag's list
            f"tag:{tag} names",  # ranked
            f"tag:{tag} tag:short",  # two conditions: found first
            f"tag:short tag:{tag} since:2024-05-01 author:kim",
        ):
            assert await keys_for(service, query) == [key[title]], query
        others = sorted(k for t, k in key.items() if t != title)
        assert sorted(await keys_for(service, f"-tag:{tag} names")) == others
        assert sorted(await keys_for(service, f"tag:short -tag:{tag}")) == others
    either = f"tag:{tags['long']},{tags['whole']}"
    assert sorted(await keys_for(service, either)) == sorted([key["long"], key["whole"]])


async def test_tag_counts_over_aliases_count_a_long_tag_apart_from_its_namesakes(
    app: App, tmp_path: Path
) -> None:
    """`/paper tags` counts a tag with aliases in use over all its spellings
    (`notes_with_any_tag`). Two tags of 70 that share their first 63 characters share an
    index term; each counts only the notes that carry it or one of its aliases, and a note
    with two spellings once."""
    from bot.ingest.importer import ingest_paths
    from bot.search.glossary import Glossary
    from bot.search.index_sql import SqlSearchIndex

    stem = "t" * 63
    first, second = stem + "a" * 7, stem + "b" * 7
    tags = [f"#{first}", f"#{second}", "#first-alias", f"#{first} #first-alias", "#second-alias"]
    for n, written in enumerate(tags, start=1):
        notes = tmp_path / f"2024-05-0{n}.txt"
        notes.write_text(f"2024-05-0{n}\nNote {n}\n(Kim)\n본문.\n{written}\n", "utf-8")
    report = await ingest_paths(sorted(tmp_path.glob("*.txt")), app.notes, app.clock)
    assert not report.skipped
    glossary = Glossary.build([], [[first, "first-alias"], [second, "second-alias"]])
    service = SearchService(app.notes, SqlSearchIndex(app.engine), glossary)
    counts = {t.tag: t.count for t in await service.tags()}
    assert counts == {first: 3, second: 2}
