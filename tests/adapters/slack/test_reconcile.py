"""Nothing lost while down, on Slack, end to end with the real service against the Web API
stand-in: a `bell` added while paperbot was stopped is found by the reconcile pass at the next
start (`reactions.get`, `full=true`) and confirmed once; the next DM digests hold exactly the
matching notes, once, across restarts (new processes, the same database); a `bell` removed while
stopped unsubscribes at the next start; and in Socket Mode a dropped connection, once back,
reconciles again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.clients import web_client
from adapters.slack.reactions import SlackReactionReader
from bot.models import MessageRef, Platform
from bot.subscriptions.reconcile import Reactable
from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import Call, SlackApi, slack_api
from tests.support.slack_calls import ephemeral, shown, to
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import (
    ENTRIES,
    TOKEN,
    ask,
    destination,
    running_bot,
    slack_env,
    wait_for,
)

APP_TOKEN = "xapp-1-A1-1234-abcdef"
NEXT_DAY = (
    Entry("Scaling Reward Models", commentary="보상 모델.", tags=("rlhf", "scaling")),
    Entry("Vision Paper Nobody Follows", commentary="비전.", tags=("vision",)),
    Entry("Linear Attention Kernels", commentary="어텐션.", tags=("attention",)),
)
LATER_DAY = (
    Entry("RLHF Once More", commentary="한 번 더.", tags=("rlhf",)),
    Entry("Attention Once More", commentary="또.", tags=("attention",)),
)
ARGS = ("--ingest-every", "0.1")
BELL = frozenset({"bell"})


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        api.app_tokens.add(APP_TOKEN)
        yield api


def _titles(api: SlackApi, user: str) -> set[str]:
    """Which of the test's paper titles the person's DM shows."""
    titles = [e.title for e in (*NEXT_DAY, *LATER_DAY)]
    return {t for c in to(api, "chat.postMessage", f"D{user}") for t in titles if t in shown(c)}


def _dm_digests(api: SlackApi, user: str) -> list[str]:
    """The DM digests the person got: each one's header (`🔔 새 노트 1편 · 2024-10-01`)."""
    return [
        c.args["text"] for c in to(api, "chat.postMessage", f"D{user}") if "thread_ts" not in c.args
    ]


def _dm_papers(api: SlackApi, user: str) -> list[Call]:
    """The paper messages of the person's DM digests (the replies under their headers)."""
    return [c for c in to(api, "chat.postMessage", f"D{user}") if "thread_ts" in c.args]


async def test_bells_added_and_removed_while_stopped_take_effect_at_the_next_start(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes = tmp_path / "notes"
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=ARGS
    ) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        _header, rlhf, attention, _ = to(api, "chat.postMessage", "C1")
        api.react("C1", rlhf.answer["ts"], "bell", "U2")  # U2 reacts while paperbot runs
        await bot.sender.event(reaction_event(channel="C1", ts=rlhf.answer["ts"], user="U2"))
        await wait_for(lambda: ephemeral(api))
        for user in ("U2", "U3"):
            await ask(api, bot.sender, "subscriptions cadence instant", user=user)
        await bot.reconciled()

    api.react("C1", attention.answer["ts"], "bell", "U3")  # U3 reacts while it is stopped
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=ARGS
    ) as bot:
        await wait_for(lambda: len(ephemeral(api)) >= 2)
        user, channel, said = ephemeral(api)[1]
        assert (user, channel) == ("U3", "C1")
        assert "이제 구독합니다: tag:attention, tag:efficiency." in said
        await bot.reconciled()
        assert len(ephemeral(api)) == 2  # U2's bell, applied by its event, is not confirmed again

        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", NEXT_DAY), "utf-8")
        await wait_for(lambda: "Scaling Reward Models" in _titles(api, "U2"))
        await wait_for(lambda: "Linear Attention Kernels" in _titles(api, "U3"))

    api.react("C1", attention.answer["ts"], "bell", "U3", added=False)  # taken back while stopped
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=ARGS
    ) as bot:
        await wait_for(lambda: len(ephemeral(api)) >= 3)
        user, channel, said = ephemeral(api)[2]
        assert (user, channel) == ("U3", "C1")
        assert "구독을 해지했습니다: tag:attention, tag:efficiency." in said
        (notes / "2024-10-02.txt").write_text(notes_text("2024-10-02", LATER_DAY), "utf-8")
        await wait_for(lambda: "RLHF Once More" in _titles(api, "U2"))  # the instant DM pass ran

    assert _titles(api, "U2") == {"Scaling Reward Models", "RLHF Once More"}
    assert _dm_digests(api, "U2") == ["🔔 새 노트 1편 · 2024-10-01", "🔔 새 노트 1편 · 2024-10-02"]
    assert _titles(api, "U3") == {"Linear Attention Kernels"}  # nothing after the removal
    assert _dm_digests(api, "U3") == ["🔔 새 노트 1편 · 2024-10-01"]
    assert len(ephemeral(api)) == 3
    reads = api.called("reactions.get")
    assert reads and all(c.args.get("full") in ("true", "1", True) for c in reads)
    assert api.problems == []


async def test_socket_mode_reconciles_again_when_the_dropped_connection_is_back(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    env = slack_env(api, SLACK_APP_TOKEN=APP_TOKEN)
    async with running_bot(
        api, tmp_path, database_url, config=destination(), env=env, ready="Socket Mode connected"
    ) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        await bot.reconciled()  # at the first connection
        rlhf = to(api, "chat.postMessage", "C1")[1]
        api.react("C1", rlhf.answer["ts"], "bell", "U2")  # while the socket is down, no event
        await api.close_socket()
        await wait_for(lambda: api.connections == 2, 30)
        await wait_for(lambda: ephemeral(api), 30)
        ((user, channel, said),) = ephemeral(api)
        assert (user, channel) == ("U2", "C1") and "이제 구독합니다: tag:rlhf." in said
        assert "reconcile pass asked for (reconnect)" in bot.logged()
    assert api.problems == []


async def test_a_bell_on_a_dm_digests_paper_added_while_stopped_follows_at_the_next_start(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    """The reconcile pass reads people's DM digests too: `reactions.get` in the person's `D…`
    (opened with conversations.open), confirmed ephemerally there, once."""
    notes = tmp_path / "notes"
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=ARGS
    ) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        for text in ("subscribe tag:rlhf", "subscriptions cadence instant"):
            await ask(api, bot.sender, text, user="U2")  # answered: stored before the notes come
        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", NEXT_DAY), "utf-8")
        await wait_for(lambda: _dm_papers(api, "U2"))
        (paper,) = _dm_papers(api, "U2")  # the reply under the DM's header: one paper
        await wait_for(lambda: "instant DM digests after an ingest" in bot.logged())  # recorded

    api.react("DU2", paper.answer["ts"], "bell", "U2")  # on the DM's paper, while stopped
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=ARGS
    ) as bot:
        await wait_for(lambda: ephemeral(api))
        ((user, channel, said),) = ephemeral(api)
        assert (user, channel) == ("U2", "DU2")
        assert "이제 구독합니다: tag:scaling." in said, said  # rlhf was followed already
        await bot.reconciled()
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=ARGS
    ) as bot:
        await bot.reconciled()
    assert len(ephemeral(api)) == 1  # the next start's pass changes and confirms nothing
    reads = [c.args["channel"] for c in api.called("reactions.get")]
    assert "DU2" in reads and "@U2" not in reads
    assert api.problems == []


async def test_the_reader_opens_a_dm_once_and_a_dm_that_cannot_be_opened_is_unreadable(
    api: SlackApi,
) -> None:
    client = web_client(api.base_url, TOKEN)

    async def clients(_workspace: str) -> AsyncWebClient:
        return client

    reader = SlackReactionReader(clients)
    posted = await client.chat_postMessage(channel="DU2", text="a paper")
    api.react("DU2", str(posted["ts"]), "bell", "U2")
    in_dm = Reactable(MessageRef(Platform.SLACK, "T1", "@U2", str(posted["ts"])), BELL)
    assert await reader.reactions(in_dm) == {"bell": frozenset({"U2"})}
    assert await reader.reactions(in_dm) == {"bell": frozenset({"U2"})}
    assert [c.args["users"] for c in api.called("conversations.open")] == ["U2"]  # once
    assert [c.args["channel"] for c in api.called("reactions.get")] == ["DU2", "DU2"]

    api.fail("conversations.open", error="user_disabled")  # the person was deactivated
    gone = Reactable(MessageRef(Platform.SLACK, "T1", "@U3", str(posted["ts"])), BELL)
    assert await reader.reactions(gone) is None
