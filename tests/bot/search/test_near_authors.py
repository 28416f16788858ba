"""near_parts and nearest_authors: the authors notes have nearest an `author:` filter no
note's authors match, compared as the filter matches (folded), most similar then most noted."""

from __future__ import annotations

from bot.search.models import AuthorCount
from bot.search.near_authors import near_parts, nearest_authors

PARTS = {"geoffrey": 3, "hinton": 2, "cideron": 1, "rame": 3, "김철수": 2, "lin": 40}
"""Name words as the vocabulary holds them (folded) with their notes."""

LISTS = [
    ["Geoffrey Hinton", "Yann LeCun"],
    ["Geoffrey Hinton", "geoffrey hinton"],  # one note, one author, however written
    ["GEOFFREY HINTON"],
    ["Geoffrey Cideron", "Alexandre Ramé"],
    ["Alexandre Rame"],
    ["Alexandre Ramé"],
    ["김철수", "이영희"],
    ["김철수"],
]
"""The authors of the notes with the words picked, a list a note."""


def test_a_one_word_typo_is_offered_whole_names_by_their_nearest_word() -> None:
    parts = near_parts("hintno", PARTS)
    assert parts[0] == "hinton"
    assert nearest_authors("hintno", LISTS, ["hinton"]) == [AuthorCount("Geoffrey Hinton", 3)]


def test_a_name_of_several_words_is_compared_whole() -> None:
    parts = near_parts("geoffery hinton", PARTS)
    assert parts[:2] == ["geoffrey", "hinton"]
    assert nearest_authors("geoffery hinton", LISTS, parts) == [
        AuthorCount("Geoffrey Hinton", 3),
        AuthorCount("Geoffrey Cideron", 1),
    ]


def test_case_and_accents_fold_as_author_matching_does() -> None:
    """`Ramé` and `Rame` are one author to `author:` (folded); offered as most notes write
    the name, counted once a note."""
    assert nearest_authors("alexandre rme", LISTS, ["rame"]) == [AuthorCount("Alexandre Ramé", 3)]


def test_a_korean_name_is_compared_by_its_jamo() -> None:
    """`김철슈` is one vowel from `김철수`: one letter of eight, not a syllable of three."""
    assert near_parts("김철슈", PARTS) == ["김철수"]
    assert nearest_authors("김철슈", LISTS, ["김철수"]) == [AuthorCount("김철수", 2)]


def test_only_names_with_a_word_read_are_counted() -> None:
    """The notes read are those with a picked word: a name without one was read on some of
    its notes only, so it is not counted (Yann LeCun shares a note with Geoffrey Hinton)."""
    assert nearest_authors("yann lecun", LISTS, ["hinton"]) == []


def test_words_are_picked_nearest_first_within_the_notes_budget() -> None:
    """Each word of the filter in turn; the nearest is read whatever its notes, the rest
    while their notes add up to the budget."""
    assert near_parts("lni", PARTS, budget=10) == ["lin"]
    assert near_parts("geoffery hinton", PARTS, budget=4) == ["geoffrey"]
    assert near_parts("zzqxv", PARTS) == []


def test_an_accent_costs_nothing_as_in_matching() -> None:
    """`nguyen thi anh` is `Nguyễn Thị Ánh` folded, four marks off as written: it comes
    before a name one letter off (`Nguyen Thi Anx`), though that one has more notes."""
    lists = [["Nguyễn Thị Ánh"], ["Nguyen Thi Anx"], ["Nguyen Thi Anx"]]
    assert nearest_authors("nguyen thi anh", lists, ["thi"]) == [
        AuthorCount("Nguyễn Thị Ánh", 1),
        AuthorCount("Nguyen Thi Anx", 2),
    ]
