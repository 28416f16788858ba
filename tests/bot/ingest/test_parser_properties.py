"""Whatever the input, the parser returns notes or raises its own error with a file and line."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest.tags import normalize_tag
from bot.errors import NoteParseError
from bot.ingest.parser import parse_notes

_LINES = st.one_of(
    st.sampled_from(
        [
            "2024년 9월 20일",
            "2024-02-29",
            "2024년 2월 30일",
            "(A, B)",
            "()",
            "https://arxiv.org/abs/1",
            "#rlhf #alignment",
            "# #",
            "#",
            "",
            "   ",
            "한국어 코멘트",
            "Title: with colon",
            "\ufeff",
            "\r",
        ]
    ),
    st.text(max_size=80),
)


def _check(data: str | bytes) -> None:
    try:
        parsed = parse_notes(data, "prop.txt")
    except NoteParseError as exc:
        assert exc.source == "prop.txt"
        assert exc.line >= 1
        assert str(exc).startswith(f"prop.txt:{exc.line}: ")
        return
    assert parsed.notes
    keys = [note.key for note in parsed.notes]
    assert len(set(keys)) == len(keys)
    for note in parsed.notes:
        assert note.day == parsed.day
        assert note.title.strip()
        assert all(tag == normalize_tag(tag) and tag for tag in note.tags)
        assert len(set(note.links)) == len(note.links)
        note.content_hash  # noqa: B018 - must not raise on any parsed text


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=300)
@given(st.text(max_size=600))
def test_arbitrary_text(data: str) -> None:
    _check(data)


@settings(max_examples=300)
@given(st.lists(_LINES, max_size=30), st.sampled_from(["\n", "\r\n"]))
def test_line_structured_text(lines: list[str], newline: str) -> None:
    _check(newline.join(["2024-09-20", *lines]))
    _check(newline.join(lines).encode("utf-8", "surrogatepass"))
