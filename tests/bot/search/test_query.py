from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import QuerySyntaxError
from bot.search.query import Query, parse_query


def test_bare_words_and_phrases_keep_their_order() -> None:
    query = parse_query('가중치 평균 "weight averaging" reward')
    assert query.words == ("가중치", "평균", "reward")
    assert query.phrases == ("weight averaging",)
    assert query.has_terms


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("tag:rlhf", (("rlhf",),)),
        ("#rlhf", (("rlhf",),)),
        ("tag:Efficient_Training", (("efficient-training",),)),
        ("tag:rlhf tag:alignment", (("rlhf",), ("alignment",))),
        ("tag:rlhf,dpo", (("rlhf", "dpo"),)),
        ("TAG:rlhf", (("rlhf",),)),
    ],
)
def test_tags_are_normalized_and_grouped(text: str, groups: tuple[tuple[str, ...], ...]) -> None:
    assert parse_query(text).tag_groups == groups


def test_excluded_tags() -> None:
    query = parse_query("tag:alignment -tag:rlhf -#survey")
    assert query.tag_groups == (("alignment",),)
    assert query.excluded_tags == ("rlhf", "survey")


def test_authors_are_folded_and_may_be_quoted() -> None:
    query = parse_query('author:Ramé author:"Sanjeev Arora"')
    assert query.authors == ("rame", "sanjeev arora")


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("since:2024-06", date(2024, 6, 1), None),
        ("until:2024-06-30", None, date(2024, 6, 30)),
        ("until:2024-02", None, date(2024, 2, 29)),
        ("date:2024-06-10", date(2024, 6, 10), date(2024, 6, 10)),
        ("date:2024-06", date(2024, 6, 1), date(2024, 6, 30)),
        ("since:2024-01 until:2024-03", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_dates_have_day_or_month_precision(
    text: str, since: date | None, until: date | None
) -> None:
    query = parse_query(text)
    assert (query.since, query.until) == (since, until)


def test_full_width_digits_read_as_ascii_in_dates_and_pages() -> None:
    """docs/search.md: a Korean IME's full-width digits (U+FF10-FF19) mean 0-9."""
    query = parse_query("since:２０２４-０６ until:2024-０６-３０ page:２")
    assert (query.since, query.until, query.page) == (date(2024, 6, 1), date(2024, 6, 30), 2)
    assert parse_query("date:２０２４-０２").until == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("since:٢٠٢٤-06", "since:٢٠٢٤-06: '٢' is not an ASCII digit (write 2)"),
        ("date:2024-06-1०", "date:2024-06-1०: '०' is not an ASCII digit (write 0)"),
        ("rlhf page:३", "page:३: '३' is not an ASCII digit (write 3)"),
    ],
)
def test_other_scripts_digits_are_refused_naming_the_digit(text: str, said: str) -> None:
    """docs/search.md: Arabic-Indic or Devanagari digits are not read as dates or pages."""
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    assert str(caught.value) == said
    assert caught.value.code == "not_ascii_digit"


def test_id_and_page() -> None:
    assert parse_query("id:2024-02-29-llama-3").note_id == "2024-02-29-llama-3"
    assert parse_query("tag:rlhf page:3").page == 3


def test_cursor_texts_replace_the_page() -> None:
    query = parse_query("tag:rlhf page:3 reward")
    assert query.at_page(4) == "tag:rlhf reward page:4"
    assert query.at_page(1) == "tag:rlhf reward"


def test_empty_query_is_empty() -> None:
    assert parse_query("   ").is_empty
    assert not parse_query("tag:x").is_empty


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("foo:bar", "foo:"),
        ("since:2024-13", "since:2024-13"),
        ("date:yesterday", "date:yesterday"),
        ("until:2024-02-30", "until:2024-02-30"),
        ('"unclosed phrase', "unclosed quote"),
        ('author:"Sanjeev', "unclosed quote"),
        ("tag:", "tag:"),
        ("tag:,", "tag:,"),
        ("-author:x", "-author:"),
        ("page:0", "page:0"),
        ("page:²", "page:²"),  # a digit to str.isdigit, but not a number int() reads
        ("since:2024-01 since:2024-02", "since:"),
        ("date:2024-01 since:2024-01", "date:"),
        ("since:2024-06 until:2024-01", "since:2024-06-01"),
        ("id:x tag:y", "id:"),
        # Only tags can be left out: a minus on a word or phrase is said so, never read as the
        # word itself (that finds the very notes meant to be left out) or as an open quote.
        ("rlhf -survey", "-survey: is not supported: only tags can be excluded"),
        ("-평가", "-평가: is not supported"),
        ('-"weight averaging"', '-"weight averaging": is not supported'),
    ],
)
def test_bad_input_names_the_problem(text: str, named: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    assert named in str(caught.value)


@pytest.mark.parametrize(
    "text", ["NEAR(a b)", "a* OR b", "x AND y NOT z", "'; DROP TABLE notes; --"]
)
def test_full_text_syntax_is_plain_text(text: str) -> None:
    query = parse_query(text)
    assert query.has_terms
    assert not {"AND", "OR", "NOT"} & set(query.words)


@pytest.mark.parametrize("text", ["-", "--", "-1", "self-correct", "a - b", "-#survey"])
def test_dashes_that_exclude_no_word_stay_readable(text: str) -> None:
    parse_query(text)


def test_title_with_a_colon_is_words() -> None:
    assert parse_query("Michelangelo: Long Context") == Query(
        text="Michelangelo: Long Context", words=("Michelangelo", "Long", "Context")
    )


def test_overlong_query_is_refused() -> None:
    with pytest.raises(QuerySyntaxError, match="limit is 500"):
        parse_query("a " * 300)


def test_too_many_filters_are_refused_by_name() -> None:
    eight = " ".join(f"author:{c}" for c in "abcd") + " tag:a tag:b,c tag:d #e"
    assert len(parse_query(eight).authors) == 4
    with pytest.raises(QuerySyntaxError, match="9 tag: and author: filters; the limit is 8"):
        parse_query(eight + " author:z")
    repeated = " ".join(["author:a tag:rlhf"] * 20)  # the same filter again is not another
    assert parse_query(repeated).authors == ("a",) * 20


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("tag:rhlf", "tag:rlhf"),
        ("#RHLF reward page:3", "#rlhf reward"),
        ("TAG:dpo,rhlf -tag:rhlf", "TAG:dpo,rlhf -tag:rhlf"),  # an excluded tag stays
        ('tag:"rhlf" "reward model" author:"A B"', 'tag:rlhf "reward model" author:"A B"'),
        ("tag:rlhf #x since:2024-01", "tag:rlhf #x since:2024-01"),  # no rhlf: as typed
    ],
)
def test_with_tag_swaps_one_tag_and_keeps_the_rest(text: str, offered: str) -> None:
    swapped = parse_query(text).with_tag("rhlf", "rlhf")
    assert swapped == offered
    assert parse_query(swapped).without_dates() == parse_query(offered).without_dates()


def test_with_tag_quotes_a_tag_with_a_space_and_refuses_one_it_cannot_write() -> None:
    query = parse_query("#rhlf")
    spaced = query.with_tag("rhlf", "강화 학습")
    assert spaced == 'tag:"강화 학습"' and parse_query(spaced).tag_groups == (("강화 학습",),)
    assert query.with_tag("rhlf", "a,b") is None and query.with_tag("rhlf", 'a"b') is None
    long = parse_query("x " * 245 + "tag:rhlf")
    assert long.with_tag("rhlf", "r" * 20) is None  # past the query limit


@pytest.mark.parametrize(
    ("text", "old", "offered"),
    [
        ("author:hintno", "hintno", 'author:"Geoffrey Hinton"'),
        (
            'reward Author:"Geoffery  Hinton" since:2024-01 page:2',
            "geoffery hinton",
            'reward Author:"Geoffrey Hinton" since:2024-01',
        ),
        ("author:HINTNO author:lecun", "hintno", 'author:"Geoffrey Hinton" author:lecun'),
        ("author:lecun #rl", "hintno", "author:lecun #rl"),  # no hintno: as typed
    ],
)
def test_with_author_swaps_the_filter_and_keeps_the_rest(text: str, old: str, offered: str) -> None:
    """The filter is found as the query folded it; the name is written as notes write it."""
    assert parse_query(text).with_author(old, "Geoffrey  Hinton") == offered
    assert ("geoffrey hinton" in parse_query(offered).authors) == (offered != text)


def test_with_author_writes_one_word_bare_and_refuses_a_quote() -> None:
    query = parse_query("author:김철슈")
    assert query.with_author("김철슈", "김철수") == "author:김철수"
    assert query.with_author("김철슈", 'a"b') is None and query.with_author("김철슈", " ") is None
    long = parse_query("x " * 240 + "author:김철슈")
    assert long.with_author("김철슈", "r" * 30) is None  # past the query limit


def test_typed_author_is_the_filter_as_typed() -> None:
    query = parse_query('author:"Geoffery Hinton" author:Ramé')
    assert query.typed_author("geoffery hinton") == "Geoffery Hinton"
    assert query.typed_author("rame") == "Ramé"
    assert query.typed_author("nobody") == "nobody"


_TAG_SPELLINGS = ("rhlf", "RHLF", "#rhlf", "-rhlf", "rh_lf", "ｒｈｌｆ", "İ", "선호최적하", "a b")
_TAG_WORDS = st.sampled_from(_TAG_SPELLINGS).flatmap(
    lambda t: st.sampled_from(
        [f"tag:{t}", f'tag:"{t}"', f"TAG:x,{t}", f"#{t}", f"##{t}", f"#-{t}", f"#--#{t}"]
    )
)
_OTHER_WORDS = st.sampled_from(
    ["reward", "-tag:dpo", "#dpo", "tag:a,b", '"a phrase"', "since:2024-01", "page:2", "x:"]
)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.one_of(_TAG_WORDS, _OTHER_WORDS), min_size=1, max_size=6))
def test_with_tag_swaps_every_tag_filter_the_parser_reads(words: list[str]) -> None:
    """Whatever spelling the grammar reads as the tag filter `old` (`#-rhlf` is `rhlf`: the
    parser strips `-` and `#` after a leading `#`), the offered text reads `new` in its place:
    an offer that kept `old` would run the search that found nothing, and its buttons (one
    per near tag, all the same query) would repeat one Discord custom_id."""
    try:
        query = parse_query(" ".join(words))
    except QuerySyntaxError:
        return
    for group in query.tag_groups:
        old = group[0]
        swapped = query.with_tag(old, "zzz")
        if swapped is None:
            continue
        offered = parse_query(swapped)
        assert all(old not in g or "zzz" in g for g in offered.tag_groups), (old, swapped)
        assert offered.excluded_tags == query.excluded_tags
