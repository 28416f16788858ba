"""Property: any query the grammar can express (words in both scripts, repeats, every filter,
up to and past the length limit) gets the same answer on SQLite and PostgreSQL, or a
`QuerySyntaxError`, never anything else."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import open_app, search_service
from bot.errors import QuerySyntaxError
from bot.ingest.importer import ingest_paths
from bot.search.query import MAX_QUERY_CHARS, parse_query
from bot.search.service import SearchService
from tests.support.clock import FixedClock
from tests.support.databases import PostgresDatabases
from tests.support.search import project_glossary

T = TypeVar("T")

LATIN = (
    "reward model models rlhf sparse autoencoders interpretab llm the of AND NEAR( x a 1 2024 "
    "weight averaging transformer rnn scaling MoE의 RLHF를 long-context 'quote' *%_"
)
HANGUL = (
    "가중치 평균 평가를 방법들에서 모델 학습 데이터셋이 강화학습 보상 희소 오토인코더가 양자화 "
    "정렬 가 의"
)
WORDS = [*LATIN.split(), *HANGUL.split()]
TAGS = ["rlhf", "alignment", "benchmark", "선호최적화", "efficient_training", "llm", "nope"]
SYLLABLES = "가나다라마바사아자차카타파하평균모델학습"

word = st.one_of(
    st.sampled_from(WORDS),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABC" + SYLLABLES + "-_'*%", min_size=1, max_size=14
    ),
)
tag = st.sampled_from(TAGS)
filters = st.one_of(
    tag.map(lambda t: f"tag:{t}"),
    tag.map(lambda t: f"-tag:{t}"),
    tag.map(lambda t: f"#{t}"),
    st.lists(tag, min_size=2, max_size=3).map(lambda ts: "tag:" + ",".join(ts)),
    st.sampled_from(["author:arora", 'author:"Sanjeev Arora"', "author:wang", "author:a"]),
    st.sampled_from(["since:2024-06", "until:2024-06-30", "date:2024-06-10", "date:2024-02"]),
    st.sampled_from(["since:2024-13", "until:2024-02-30", "since:2024-09 until:2024-01"]),
    st.integers(0, 1200).map(lambda n: f"page:{n}"),
    st.sampled_from(["id:2024-06-10-claude-s-character", "id:nope", "foo:bar", "tag:", '"open']),
    st.lists(word, min_size=1, max_size=6).map(lambda ws: '"' + " ".join(ws) + '"'),
)
repeated = st.tuples(word, st.integers(2, 130)).map(lambda pair: " ".join([pair[0]] * pair[1]))
queries = st.lists(st.one_of(word, word, filters, repeated), max_size=70).map(
    lambda tokens: " ".join(tokens)[: MAX_QUERY_CHARS + 20]
)


class _Loop:
    """An event loop in a thread, so a synchronous Hypothesis test can drive async apps."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _open(stack: AsyncExitStack, url: str, seeds: Path) -> SearchService:
    app = await stack.enter_async_context(
        open_app(url, clock=FixedClock(), glossary=project_glossary())
    )
    await ingest_paths([seeds], app.notes, app.clock)
    return search_service(app)


@pytest.fixture(scope="module")
def both(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[_Loop, SearchService, SearchService]]:
    if request.config.getoption("--db") != "all":
        pytest.skip("compares SQLite with PostgreSQL")
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    seeds = Path(__file__).resolve().parents[3] / "seeds"
    loop, stack = _Loop(), AsyncExitStack()

    async def start() -> tuple[SearchService, SearchService]:
        pg_url = await stack.enter_async_context(databases.fresh())
        sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.sqlite3'}"
        return await _open(stack, sqlite_url, seeds), await _open(stack, pg_url, seeds)

    try:
        sqlite, postgres = loop.run(start())
        yield loop, sqlite, postgres
    finally:
        loop.run(stack.aclose())
        loop.close()


async def _answer(service: SearchService, text: str) -> object:
    try:
        query = parse_query(text)
    except QuerySyntaxError as exc:
        return ("error", str(exc))
    if query.note_id is not None:
        note = await service.entry(query.note_id)
        return ("entry", note.key if note else None)
    page = await service.search(query, page_size=10)
    return ("page", page.total, [(h.note.key, h.score) for h in page.hits], page.next_cursor)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=queries)
def test_every_query_is_answered_alike_on_both_engines(
    both: tuple[_Loop, SearchService, SearchService], text: str
) -> None:
    loop, sqlite, postgres = both
    on_sqlite = loop.run(_answer(sqlite, text))
    assert on_sqlite == loop.run(_answer(postgres, text))
