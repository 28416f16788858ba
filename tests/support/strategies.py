"""Hypothesis strategies for hostile notes: huge, mention-laden, markup-laden, multilingual."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from bot.models import Digest, DigestDay, Layout, Note

NASTY = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "@everyone",
    "@here",
    "@channel",
    "<@U123>",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#C123>",
    "&lt;",
    "&amp;",
    "&",
    "*bold*",
    "_it_",
    "~s~",
    "`code`",
    "```",
    "|",
    ">",
    "<",
    "\\",
    "[x](https://evil.example)",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2067",
    "\u0301",
    "❤️",
    "👩‍👩‍👧",
    "🇰🇷",
    "👍🏽",
    "가중치 평균",
    "한국어로 된 코멘트입니다",
    "مرحبا",
    "https://example.com/a|b>c",
    "https://example.com/x_y?a=1&b=2",
    "https://x.com/@everyone",
    "https://example.com/" + "a(b)" * 700,
    "\n",
    "\n\n",
    " ",
    "# ",
    "> ",
    "- ",
    "1. ",
)

chunks = st.one_of(st.sampled_from(NASTY), st.text(max_size=12))
hostile_text = st.lists(chunks, max_size=12).map("".join)


@st.composite
def huge_text(draw: st.DrawFn) -> str:
    """Hostile text repeated up to a few hundred times: titles and abstracts of any size."""
    return draw(hostile_text) * draw(st.integers(min_value=1, max_value=400))


tags = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=20)).map(
        lambda t: "".join(t.split()) or "x"
    ),
    max_size=60,
).map(lambda ts: tuple(dict.fromkeys(ts)))
links = st.lists(
    st.sampled_from(
        (
            "https://arxiv.org/abs/2405.15319",
            "https://example.com/a|b>c",
            "https://x.com/@here",
            "https://en.wikipedia.org/wiki/Mamba_(snake)",
            "https://example.com/" + "very-long-path/" * 300,
        )
    ),
    max_size=3,
).map(tuple)


@st.composite
def notes(draw: st.DrawFn, number: int = 0) -> Note:
    """One hostile note; keys stay slug-like, as the parser makes them."""
    return Note(
        key=f"2024-09-20-note-{number}-" + draw(st.from_regex(r"[a-z0-9-]{0,60}", fullmatch=True)),
        day=date(2024, 9, 20),
        title=draw(huge_text()),
        authors=tuple(draw(st.lists(hostile_text, max_size=30))),
        abstract=draw(huge_text()),
        commentary=draw(huge_text()),
        links=draw(links),
        tags=draw(tags),
        position=number,
    )


@st.composite
def digests(draw: st.DrawFn, max_notes: int = 8) -> Digest:
    """A digest of hostile notes, in either layout and locale, maybe with a filter and overflow."""
    count = draw(st.integers(min_value=0, max_value=max_notes))
    day_notes = tuple(draw(notes(number=i)) for i in range(count))
    return Digest(
        key="daily:2024-09-20",
        days=(DigestDay(date(2024, 9, 20), day_notes),),
        filter_text=draw(hostile_text),
        overflow=draw(st.integers(min_value=0, max_value=500)),
        locale=draw(st.sampled_from(("ko", "en"))),
        layout=draw(st.sampled_from(list(Layout))),
    )
