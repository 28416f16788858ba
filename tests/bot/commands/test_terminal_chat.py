"""The README's terminal promises, typed at the real prompt: next/prev paging, `page:N` past the
end, `/paper share`, the terminal's own channel set from chat, and one language per session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.app import App
from bot.ingest.importer import ingest_paths
from tests.bot.commands.terminal import terminal_session
from tests.formatters.language import foreign_words


@pytest.fixture
async def seeded(app: App, seeds_dir: Path) -> App:
    await ingest_paths([seeds_dir], app.notes, app.clock)
    return app


def _titles(shown: str) -> list[str]:
    return re.findall(r"^ ?\d+\. (.+?)(?:  #|$)", shown, flags=re.MULTILINE)


async def test_next_and_prev_page_through_the_last_search(seeded: App) -> None:
    session = terminal_session(seeded, "en")
    first = await session.type("/paper llm")
    assert re.search(r"notes for “llm” · page 1/(\d+)", first)
    assert "next page: /paper next" in first and "previous page" not in first
    second = await session.type("/paper next")
    assert "· page 2/" in second and "previous page: /paper prev" in second
    assert set(_titles(second)).isdisjoint(_titles(first)) and _titles(second)
    back = await session.type("/paper prev")
    assert _titles(back) == _titles(first)
    assert "This is already the first page of “llm”" in await session.type("/paper prev")
    pages = int(re.findall(r"page 1/(\d+)", first)[0])
    last = await session.type(*["/paper next"] * pages)
    assert f"That was the last page of “llm” (page {pages} of {pages})" in last


async def test_next_without_a_search_says_what_to_do(seeded: App) -> None:
    shown = await terminal_session(seeded, "en").type("/paper next")
    assert "search first (/paper tag:rlhf), then /paper next" in shown


async def test_a_page_past_the_end_names_the_query_as_typed(seeded: App) -> None:
    session = terminal_session(seeded, "en")
    shown = await session.type("/paper tag:rlhf page:9")
    assert "“tag:rlhf page:9” has no page 9: 3 notes on 1 page. Last page" in shown
    assert "Last page: /paper tag:rlhf" in shown
    assert "No notes match" not in shown


@pytest.mark.parametrize(
    ("locale", "typed", "said"),
    [
        ("en", "/paper tag:code page:3", r"has no page 3: 1 note on 1 page\."),
        ("en", "/paper llm page:999", r"has no page 999: \d+ notes on \d+ pages\."),
        ("ko", "/paper tag:rlhf page:9", "노트 3편이 1쪽까지 있습니다."),
    ],
)
async def test_past_the_end_counts_notes_and_pages_in_the_session_language(
    seeded: App, locale: str, typed: str, said: str
) -> None:
    """English says "1 page" but "2 pages" (and "1 note"); Korean counts have no plural."""
    shown = await terminal_session(seeded, locale).type(typed)
    assert re.search(said, shown), shown


async def test_share_posts_the_note_to_the_channel_as_the_user(seeded: App) -> None:
    session = terminal_session(seeded, "en", user="ana")
    shown = await session.type("/paper share id:2024-02-29-llama-3")
    assert shown.startswith("📌 Shared by ana\n 1. Llama 3")
    assert "Only you can see this." not in shown  # a channel message, not a private answer
    bare = await session.type("/paper share 2024-02-29-llama-3")
    assert bare == shown
    assert "No note has the id nope" in await session.type("/paper share id:nope")
    assert "Which note? Type /paper share id:<id>" in await session.type("/paper share")
    assert "Which note?" in await session.type("/paper share 3")  # no search shown yet


async def test_the_search_hint_under_each_result_works(seeded: App) -> None:
    session = terminal_session(seeded, "en")
    shown = await session.type("/paper tag:rlhf")
    hints = re.findall(r"share to the channel: (/paper share \d+)$", shown, flags=re.MULTILINE)
    assert hints == ["/paper share 1", "/paper share 2", "/paper share 3"]
    shared = await session.type(hints[1])
    assert shared.startswith("📌 Shared by me\n 1. " + _titles(shown)[1])
    assert await session.type("/paper share ２") == shared  # a full-width 2 is a 2


@pytest.mark.parametrize("number", ["9" * 5000, "２" * 4301, "0" * 4400 + "2", "0", "4"])
async def test_a_hit_number_of_any_length_is_answered(seeded: App, number: str) -> None:
    """int() refuses a number past 4,300 digits (ValueError: the internal error before); a
    hit number past the last page's, however long, is not a hit; leading zeros are read."""
    session = terminal_session(seeded, "en")
    await session.type("/paper tag:rlhf")
    shown = await session.type(f"/paper share {number}")
    if number.lstrip("0") == "2":
        assert shown.startswith("📌 Shared by me\n 1. ")
    else:
        assert "Which note? Type /paper share id:<id>" in shown and "📌" not in shown


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "'٢' is not an ASCII digit: write 2"), ("ko", "'٢' 는 0-9 숫자가 아닙니다. 2(으)로")],
)
async def test_a_hit_number_in_another_script_is_refused_by_name(
    seeded: App, locale: str, words: str
) -> None:
    """int() reads `٢` as 2; like page: and dates, the number is written 0-9 (or full width)."""
    session = terminal_session(seeded, locale)
    await session.type("/paper tag:rlhf")
    refused = await session.type("/paper share ٢")
    assert words in refused and "/paper share ٢" in refused and "📌" not in refused


async def test_the_terminal_channel_is_configured_from_chat(seeded: App) -> None:
    session = terminal_session(seeded, "en")
    before = await session.type("/paper channel show")
    assert "schedule: 0 9 * * * (Asia/Seoul)" in before and "set in: the built-in default" in before
    changed = await session.type('/paper channel set schedule "0 8 * * 1-5"')
    assert "schedule updated." in changed and "declared in the config file" not in changed
    assert "schedule: 0 8 * * 1-5 (Asia/Seoul)" in changed
    shown = await session.type("/paper channel show")
    assert "schedule: 0 8 * * 1-5 (Asia/Seoul)" in shown and "set in: chat" in shown
    assert "set in: the config file" not in shown
    every = await session.delivery.catalog.all()
    assert [(d.key, d.schedule) for d in every] == [("console:local:terminal", "0 8 * * 1-5")]
    await session.type("/paper channel set locale en")
    assert "Digest posted." in await session.type("/paper digest now")
    assert "📚 Paper notes" in session.out.getvalue()  # the digest in the locale set from chat


TYPED = (
    "/paper help",
    "/paper tag:",
    "/paper since:2024-13",
    "/paper colour:red",
    "/paper next",
    "/paper share",
    "/paper tag:rlhf page:9",
    "/paper channel show",
    "/paper channel set timezone Mars/Base",
    "/paper channel set colour red",
    "/paper channel set layout grid",
    "/paper channel frobnicate",
    "/paper digest now",
    "/paper digest now",
    "/paper digest preview",
)
USERS_WORDS = {word for line in TYPED for word in re.findall(r"[A-Za-z]+", line)}
"""What the person typed comes back in answers (`colour:`, `Mars/Base`); it is theirs."""


def _ours(line: str, locale: str) -> list[str]:
    found = foreign_words(line, locale)
    return [w for w in found if not set(re.findall(r"[A-Za-z]+", w)) <= USERS_WORDS]


async def test_a_korean_terminal_reads_korean_only(seeded: App) -> None:
    session = terminal_session(seeded, "ko")
    shown = await session.type(*TYPED)
    data = {line for line in shown.splitlines() if line.startswith(("  │", " ", "📚", "#"))}
    words = [line for line in shown.splitlines() if line not in data]  # notes are data
    assert len(words) > 40
    assert [(line, _ours(line, "ko")) for line in words if _ours(line, "ko")] == []
    assert "나에게만 보이는 메시지입니다." in shown and "다이제스트를 올렸습니다." in shown


async def test_an_english_terminal_reads_english_only(seeded: App) -> None:
    session = terminal_session(seeded, "en")
    await session.type("/paper channel set locale en")  # the digests here, too
    shown = await session.type(*TYPED)
    words = [line for line in shown.splitlines() if not line.startswith(("  │", " "))]
    assert [line for line in words if foreign_words(line, "en")] == []
    assert "Only you can see this." in shown and "Digest posted." in shown
