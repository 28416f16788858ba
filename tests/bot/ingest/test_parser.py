"""The parser against the sample corpus and crafted cases from notes-format.md."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.errors import NoteParseError
from bot.ingest.parser import MAX_LINE_CHARS, parse_notes
from bot.models import Note

SEEDS = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.txt"))


def _by_title(title: str) -> Note:
    for path in SEEDS:
        for note in parse_notes(path.read_bytes(), path.name).notes:
            if note.title == title:
                return note
    raise AssertionError(f"no note titled {title!r}")


def test_sample_corpus_has_41_notes_over_five_days() -> None:
    parsed = [parse_notes(p.read_bytes(), p.name) for p in SEEDS]
    assert sum(len(f.notes) for f in parsed) == 41
    assert sorted(f.day for f in parsed) == [
        date(2024, 1, 23),
        date(2024, 2, 29),
        date(2024, 3, 14),
        date(2024, 6, 10),
        date(2024, 9, 20),
    ]
    assert all(not f.warnings for f in parsed)


def test_keys_are_unique_and_stable_across_parses() -> None:
    first = [n.key for p in SEEDS for n in parse_notes(p.read_bytes(), p.name).notes]
    second = [n.key for p in SEEDS for n in parse_notes(p.read_bytes(), p.name).notes]
    assert first == second
    assert len(set(first)) == 41


def test_full_entry_fields() -> None:
    note = _by_title("Training Language Models to Self-Correct via Reinforcement Learning")
    assert note.day == date(2024, 9, 20)
    assert note.authors[:3] == ("Aviral Kumar", "Vincent Zhuang", "Rishabh Agarwal")
    assert len(note.authors) == 18
    assert note.abstract.startswith("Self-correction is a highly desirable capability")
    assert note.commentary.startswith("아주 중요한 결과가 나왔네요.")
    assert note.commentary.endswith("이 측면에서 생각해봐야겠죠.")
    assert note.links == ("https://x.com/wgussml/status/1834691198013129053",)
    assert note.tags == ("rl", "reasoning")
    assert note.key == "2024-09-20-training-language-models-to-self-correct-via-reinforcement"


@pytest.mark.parametrize("title", ["StartCoder 2", "Llama 3", "Claude 3 Haiku"])
def test_news_items_have_no_authors_and_no_abstract(title: str) -> None:
    note = _by_title(title)
    assert note.authors == ()
    assert note.abstract == ""
    assert note.commentary


def test_organization_author_and_commentary_line_starting_with_paren() -> None:
    note = _by_title("Claude's Character")
    assert note.authors == ("Anthropic",)
    assert "\n(이 정도에 대해 인문학적 소양을" in note.commentary


def test_link_line_after_authors_is_a_link_not_text() -> None:
    note = _by_title("Don't teach. incentivize.")
    assert note.authors == ("Hyung Won Chung",)
    assert note.links[0].startswith("https://docs.google.com/presentation/d/")
    assert note.abstract == ""
    assert "docs.google.com" not in note.commentary


def test_url_line_inside_abstract_is_a_link_and_left_out_of_the_abstract() -> None:
    note = _by_title(
        "SpatialVLM: Endowing Vision-Language Models with Spatial Reasoning Capabilities"
    )
    assert note.links == ("https://spatial-vlm.github.io/",)
    assert "https://" not in note.abstract
    assert note.abstract.startswith("Understanding and reasoning about spatial relationships")


def test_urls_inside_commentary_are_links_in_order_and_stay_in_text() -> None:
    note = _by_title("West-of-N: Synthetic Preference Generation for Improved Reward Modeling")
    assert note.links == ("https://arxiv.org/abs/2401.10020", "https://arxiv.org/abs/2309.06657")
    assert "(https://arxiv.org/abs/2401.10020)" in note.commentary


def test_underscore_and_dash_tags_are_one_key() -> None:
    zero_bubble = _by_title("Zero Bubble Pipeline Parallelism")
    fp8 = _by_title("Scaling FP8 training to trillion-token LLMs")
    assert zero_bubble.tags == ("efficient-training",)
    assert fp8.tags[0] == "efficient-training"


def test_file_without_final_newline_keeps_its_last_tags() -> None:
    path = next(p for p in SEEDS if not p.read_bytes().endswith(b"\n"))
    notes = parse_notes(path.read_bytes(), path.name).notes
    assert notes[-1].tags


CRAFTED = """2024-09-20
First Title: with colon!?
(A. Author, B. Author)
An English abstract line.
https://example.org/paper
한국어 코멘트입니다.

둘째 줄 https://example.org/more.
#Efficient_Training #RLHF #rlhf
Second *title* "quoted"
코멘트만 있는 항목
#news
"""


def test_crafted_entry_rules() -> None:
    parsed = parse_notes(CRAFTED, "crafted.txt")
    first, second = parsed.notes
    assert first.title == "First Title: with colon!?"
    assert first.authors == ("A. Author", "B. Author")
    assert first.abstract == "An English abstract line."
    assert first.commentary == "한국어 코멘트입니다.\n둘째 줄 https://example.org/more."
    assert first.links == ("https://example.org/paper", "https://example.org/more")
    assert first.tags == ("efficient-training", "rlhf")
    assert first.source.line == 2
    assert second.title == 'Second *title* "quoted"'
    assert second.source.line == 10
    assert second.tags == ("news",)


def test_bom_crlf_trailing_spaces_and_blank_lines_change_nothing() -> None:
    plain = parse_notes(CRAFTED, "a.txt").notes
    noisy_text = "\n\n" + CRAFTED.replace("\n", "   \r\n\r\n")
    noisy = parse_notes(b"\xef\xbb\xbf" + noisy_text.encode(), "a.txt").notes
    strip = [(n.key, n.title, n.authors, n.abstract, n.commentary, n.links, n.tags) for n in plain]
    assert strip == [
        (n.key, n.title, n.authors, n.abstract, n.commentary, n.links, n.tags) for n in noisy
    ]


def test_korean_date_header_with_spaces() -> None:
    assert parse_notes("2024 년 3 월 4 일\nT\n코멘트\n#x\n", "f").day == date(2024, 3, 4)
    assert parse_notes("2024년3월4일\nT\n#x\n", "f").day == date(2024, 3, 4)


def test_last_entry_without_hashtags_is_kept_with_a_warning() -> None:
    parsed = parse_notes("2024-01-01\nA\n#a\nB\n코멘트\n", "cut.txt")
    assert [n.title for n in parsed.notes] == ["A", "B"]
    assert parsed.notes[1].tags == ()
    assert parsed.warnings and parsed.warnings[0].startswith("cut.txt:4:")


def test_repeated_title_on_one_day_gets_distinct_stable_keys() -> None:
    parsed = parse_notes("2024-01-01\nLlama\n#a\nllama \n#b\nLlama 2\n#c\n", "f")
    keys = [n.key for n in parsed.notes]
    assert keys == ["2024-01-01-llama", "2024-01-01-llama--2", "2024-01-01-llama-2"]


def test_titles_differing_only_in_punctuation_get_distinct_keys() -> None:
    parsed = parse_notes("2024-01-01\nA: B\n#a\nA - B\n#b\n", "f")
    first, second = (n.key for n in parsed.notes)
    assert first == "2024-01-01-a-b"
    assert second.startswith("2024-01-01-a-b--") and second != first


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"", 1, "empty"),
        (b"\n  \n", 1, "empty"),
        (b"2024-09-20\nTitle\n\xff\xfe bad\n#x\n", 3, "not valid UTF-8"),
        ("2024년 2월 30일\nT\n#x\n".encode(), 1, "not a real calendar date"),
        (b"2024-13-01\nT\n#x\n", 1, "not a real calendar date"),
        (b"Title first\n#x\n", 1, "no date header"),
        (b"#rlhf #alignment\n#x\n", 1, "no date header"),
        (b"2024-09-20\n#rlhf #alignment\n", 2, "hashtag line without a title"),
        (b"2024-09-20\n\n\n", 1, "no notes"),
        (b"2024-09-20\nT\n" + b"x" * (MAX_LINE_CHARS + 1) + b"\n#x\n", 3, "characters long"),
        (b"x" * 5_000_000, 1, "characters long"),
        (b"2024-09-20\nTi\x00tle\n#x\n", 2, "NUL"),
        # PostgreSQL's tag columns hold 200 characters: said with the line, not by the database
        (b"2024-09-20\nT\n\n#ok #" + b"a" * 201 + b"\n", 4, "is 201 characters long"),
    ],
)
def test_bad_files_raise_with_file_and_line(data: bytes, line: int, fragment: str) -> None:
    with pytest.raises(NoteParseError) as caught:
        parse_notes(data, "bad.txt")
    assert caught.value.source == "bad.txt"
    assert caught.value.line == line
    assert fragment in str(caught.value)
    assert str(caught.value).startswith(f"bad.txt:{line}: ")


@pytest.mark.parametrize(
    "header",
    ["2024-09-20 draft", "2024-09-201", "x2024-09-20", "2024년 9월 20일 초안", "2024년 9월 20일일"],
)
def test_a_date_header_is_the_whole_line(header: str) -> None:
    """A header with anything before or after the date is not a header (fullmatch, not match)."""
    body = f"{header}\nA title\n(An Author)\nAbstract.\n#tag\n".encode()
    with pytest.raises(NoteParseError) as raised:
        parse_notes(body, "notes/day.txt")
    assert raised.value.line == 1
    assert "no date header" in str(raised.value)


@pytest.mark.parametrize(
    "header", ["2024-09-20", "  2024-09-20  ", "2024년 9월 20일", "2024년9월20일"]
)
def test_a_date_header_may_carry_only_surrounding_space(header: str) -> None:
    body = f"{header}\nA title\n(An Author)\nAbstract.\n#tag\n".encode()
    assert parse_notes(body, "notes/day.txt").day == date(2024, 9, 20)


def test_a_long_title_is_cut_at_a_word_within_60_characters() -> None:
    """README, notes format: a slug is cut at a word within 60 characters, and two titles of
    one day that slug alike get `--` and a short hash."""
    long = "Scaling Smart Accelerating Large Language Model Pretraining with Small Models"
    parsed = parse_notes(f"2024-01-01\n{long}\n#a\n{long} Again\n#b\n", "f")
    first, second = (n.key.removeprefix("2024-01-01-") for n in parsed.notes)
    assert first == "scaling-smart-accelerating-large-language-model-pretraining"
    assert len(first) <= 60 and long.lower().startswith(first.replace("-", " ") + " ")
    assert re.fullmatch(rf"{first}--[0-9a-f]{{6}}", second)


def test_a_tag_of_200_characters_is_kept() -> None:
    parsed = parse_notes("2024-09-20\nT\n#" + "a" * 200 + "\n", "long.txt")
    assert parsed.notes[0].tags == ("a" * 200,)
