"""Issue 12's "Done when" on Slack as one story: the real `paperbot run` process against the Web
API stand-in, events and clicks posted to `/slack/events` signed as Slack signs them.

1. A digest is posted in #ml-papers (a header and one thread reply per paper).
2. U2 reacts `bell` on the #rlhf paper; Slack delivers the event twice (the second time with
   its retry headers): U2 gets exactly one ephemeral confirmation.
3. paperbot is stopped, and restarted before the digest (the reaction and the DM in two
   processes). While it is stopped U3 reacts `bell` on the #rlhf #dpo paper: the reconcile pass
   at the start (`reactions.get`) follows those tags with one confirmation, and confirms nothing
   again for U2, whose reaction its event already applied.
4. The next ingest brings two #rlhf notes and one #vision note: the next DM digest of each holds
   exactly the two matching ones, once.
5. U2 removes the `bell`: one confirmation, and a later #rlhf note reaches U3's DM, not U2's.
6. The tag menu both ways: an admin posts it; U2's number for #vision follows `tag:vision`, and
   taking it off unfollows, each confirmed once.
7. The Follow button on the #attention #efficiency paper follows both tags, answered privately.
8. `/paper unsubscribe all` leaves no row of U2 in any table that holds a person
   (`bot.store.subscriptions.person_rows`, what the command deletes), and U3's stay.

Told elsewhere, not again here: the same reaction added twice under new event ids, the bot's own
reaction, a `bell` in the DM and a correction editing the DM (`test_subscriptions.py`); a `bell`
removed while stopped and Socket Mode reconnects (`test_reconcile.py`); the menu edited in place
and menu numbers changed while stopped (`test_tag_menu.py`); Follow after a restart, a second
click, Remove buttons (`test_follow.py`); a person who cannot be DMed (`test_dm_notice.py`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.digest.personal import Person
from bot.models import Platform
from bot.subscriptions.menu import KEYCAPS, SLACK_NAMES
from tests.support.person_rows import rows_of
from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_calls import buttons, ephemeral, follow, react, shown, to
from tests.support.slack_service import (
    ENTRIES,
    TOKEN,
    Bot,
    ask,
    destination,
    eventually,
    running_bot,
    wait_for,
)

NEXT_DAY = (
    Entry("Scaling Reward Models", commentary="보상 모델.", tags=("rlhf", "scaling")),
    Entry("Vision Paper Nobody Follows", commentary="비전.", tags=("vision",)),
    Entry("Preference Data at Scale", commentary="선호 데이터.", tags=("rlhf",)),
)
MATCHING = {NEXT_DAY[0].title, NEXT_DAY[2].title}
LATER_DAY = (Entry("RLHF Once More", commentary="한 번 더.", tags=("rlhf",)),)
TITLES = [e.title for e in (*ENTRIES, *NEXT_DAY, *LATER_DAY)]
ARGS = ("--ingest-every", "0.1")


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN, admins={"UADMIN"})
        yield api


def _dm(api: SlackApi, user: str) -> list[list[str]]:
    """The person's DM digests, each as the titles of the papers in its thread, in order."""
    digests: list[list[str]] = []
    for call in to(api, "chat.postMessage", f"D{user}"):
        if "thread_ts" not in call.args:  # a digest's header (it lists the papers too)
            digests.append([])
        else:
            digests[-1] += [t for t in TITLES if t in shown(call)]
    return digests


def _confirmed(api: SlackApi, user: str) -> list[str]:
    return [said for who, channel, said in ephemeral(api) if who == user and channel == "C1"]


def _marked(database_url: str, person: Person) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return (await rows_of(database_url, person))["reaction_marks"] > 0

    return check


def _said(answer: dict[str, object]) -> str:
    return str(answer.get("text", "")) + str(answer.get("blocks", ""))


async def _instant(bot: Bot, api: SlackApi, user: str) -> str:
    """The person's DM comes right after each ingest (kept for one who follows nothing yet)."""
    return _said(await ask(api, bot.sender, "subscriptions cadence instant", user=user))


async def test_react_follow_the_menu_dm_digests_and_unsubscribe_all_on_slack(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes, config = tmp_path / "notes", destination()
    async with running_bot(api, tmp_path, database_url, config=config, extra_args=ARGS) as bot:
        # 1. the digest
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        _header, rlhf, attention, dpo = to(api, "chat.postMessage", "C1")
        assert "Reward Models Under" in shown(rlhf) and "Direct Preference" in shown(dpo)
        await wait_for(lambda: "slack reconcile:" in bot.logged())  # the start's pass is over
        # 2. a bell, delivered twice
        await react(bot, api, rlhf, "U2", retries=1)
        await wait_for(lambda: _confirmed(api, "U2"))
        assert "즉시 DM으로" in await _instant(bot, api, "U2")
        await _instant(bot, api, "U3")
        (said,) = _confirmed(api, "U2")  # one confirmation for the two deliveries
        assert "이제 구독합니다: tag:rlhf." in said

    # 3. a bell while stopped, and a restart between the reactions and the digest
    api.react("C1", dpo.answer["ts"], "bell", "U3")
    async with running_bot(
        api, tmp_path, database_url, config=config, notes=notes, extra_args=ARGS
    ) as bot:
        await wait_for(lambda: _confirmed(api, "U3"))
        await wait_for(lambda: "slack reconcile:" in bot.logged())
        assert "1 reactions added and 0 removed" in bot.logged()
        (said,) = _confirmed(api, "U3")
        assert "이제 구독합니다: tag:rlhf, tag:dpo." in said
        assert len(_confirmed(api, "U2")) == 1  # applied by its event: not confirmed again

        # 4. two matching notes and one that does not: each DM holds the two, once
        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", NEXT_DAY), "utf-8")
        await wait_for(lambda: all(len(_dm(api, u)) == 1 and len(_dm(api, u)[0]) == 2
                                   for u in ("U2", "U3")))  # fmt: skip
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 2 * (1 + 3))
        for user in ("U2", "U3"):
            ((*titles,),) = _dm(api, user)
            assert sorted(titles) == sorted(MATCHING), user

        # 5. the bell taken off: no more DMs for its tags
        await react(bot, api, rlhf, "U2", added=False)
        await wait_for(lambda: len(_confirmed(api, "U2")) == 2)
        assert "구독을 해지했습니다: tag:rlhf." in _confirmed(api, "U2")[1]
        (notes / "2024-10-02.txt").write_text(notes_text("2024-10-02", LATER_DAY), "utf-8")
        await wait_for(lambda: _dm(api, "U3")[1:] == [[LATER_DAY[0].title]])  # the DM pass ran
        assert [sorted(d) for d in _dm(api, "U2")] == [sorted(MATCHING)]

        # 6. the tag menu, both ways
        posted = _said(await ask(api, bot.sender, "tags menu", user="UADMIN"))
        assert "태그 메뉴를 올렸습니다" in posted
        (menu,) = [c for c in to(api, "chat.postMessage", "C1") if "1️⃣  #" in shown(c)]
        (vision,) = [
            n for k, n in zip(KEYCAPS, SLACK_NAMES, strict=True) if f"{k}  #vision" in shown(menu)
        ]
        await react(bot, api, menu, "U2", vision)
        await wait_for(lambda: len(_confirmed(api, "U2")) == 3)
        assert "이제 구독합니다: tag:vision." in _confirmed(api, "U2")[2]
        await react(bot, api, menu, "U2", vision, added=False)
        await wait_for(lambda: len(_confirmed(api, "U2")) == 4)
        assert "구독을 해지했습니다: tag:vision." in _confirmed(api, "U2")[3]

        # 7. the Follow button
        (button,) = buttons(attention, "paper.follow")
        said = await follow(bot, api, button, attention, "U2")
        assert "이제 구독합니다: tag:attention, tag:efficiency." in said, said
        listed = _said(await ask(api, bot.sender, "subscriptions", user="U2"))
        assert "tag:attention" in listed and "tag:rlhf" not in listed
        await react(bot, api, attention, "U2")  # followed already: changes and says nothing

        # 8. unsubscribe all
        u2, u3 = (Person(Platform.SLACK, "T1", user) for user in ("U2", "U3"))
        await eventually(_marked(database_url, u2))  # the bell on it is stored
        before = await rows_of(database_url, u2)
        assert [t for t, n in before.items() if n == 0] == ["dm_notices"], before
        gone = _said(await ask(api, bot.sender, "unsubscribe all", user="U2"))
        assert "구독 2개를 모두 해지하고 DM 기록을 지웠습니다." in gone
        left = await rows_of(database_url, u2)
        assert left == dict.fromkeys(left, 0), left
        kept = await rows_of(database_url, u3)
        assert kept["subscriptions"] and kept["deliveries"] and kept["reaction_marks"]
    assert len(_dm(api, "U2")) == 1  # one DM digest, never repeated
    assert len(ephemeral(api)) == 5  # U2's four, U3's one
    assert {c.args["users"] for c in api.called("conversations.open")} == {"U2", "U3"}
    assert api.problems == []


async def test_unsubscribe_all_is_not_undone_by_the_next_start(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes, config = tmp_path / "notes", destination()
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        rlhf = to(api, "chat.postMessage", "C1")[1]
        await react(bot, api, rlhf, "U2")  # the bell stays on the message
        await wait_for(lambda: _confirmed(api, "U2"))
        gone = _said(await ask(api, bot.sender, "unsubscribe all", user="U2"))
        assert "구독 1개를 모두 해지" in gone
    async with running_bot(api, tmp_path, database_url, config=config, notes=notes) as bot:
        await wait_for(lambda: "slack reconcile:" in bot.logged())
        listed = _said(await ask(api, bot.sender, "subscriptions", user="U2"))
        left = await rows_of(database_url, Person(Platform.SLACK, "T1", "U2"))
    assert "구독 중인 것이 없습니다" in listed
    assert len(_confirmed(api, "U2")) == 1
    assert left == dict.fromkeys(left, 0), left  # and still nothing of U2 in the database


async def test_a_burst_of_bells_is_confirmed_in_one_ephemeral_message(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    """Bells on three papers within a few seconds, the last in another channel: one
    confirmation naming every filter they followed (`ConfirmationBundler`), in the channel of
    the last one; nobody is spammed."""
    config = destination() + destination("C2") + "[subscriptions]\nconfirm_window_seconds = 5\n"
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        parts = 1 + len(ENTRIES)
        await wait_for(
            lambda: all(len(to(api, "chat.postMessage", c)) >= parts for c in ("C1", "C2"))
        )
        _header, rlhf, attention, _dpo = to(api, "chat.postMessage", "C1")
        dpo = to(api, "chat.postMessage", "C2")[3]
        await wait_for(lambda: "slack reconcile:" in bot.logged())
        # delivered at once, as Slack does for quick clicks: the first change opens the window
        await asyncio.gather(*(react(bot, api, paper, "U2") for paper in (rlhf, attention)))
        # both arrived (the logs come while their handling goes on: the bundler may get them
        # after the next one, and still names that one's channel and every filter followed)
        await wait_for(lambda: bot.logged().count("@U2 subscribed to") == 2)
        await react(bot, api, dpo, "U2")  # the latest, in C2, within the window
        await wait_for(lambda: ephemeral(api))
    ((who, where, said),) = ephemeral(api)  # and the stop sent nothing more
    assert (who, where) == ("U2", "C2"), said
    four = {"tag:rlhf", "tag:attention", "tag:efficiency", "tag:dpo"}
    now = re.search(r"구독 중: ([^.]*)\.", said)  # what is followed after the burst
    assert now is not None and set(now[1].split(", ")) == four, said
    for followed in four:
        assert followed in said, said
