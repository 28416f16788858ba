"""Issue 12's Follow and Remove buttons on Slack, end to end: the real service against the Web API
stand-in, clicks posted to `/slack/events` as signed `block_actions` payloads.

A digest is posted with a Follow button on each paper's thread reply; a click follows that
paper's tags for the clicker and is answered ephemerally through response_url; after a restart
(a new process, the same database) the buttons of the old digest still work, a second click says
the tags are already followed, and the instant DM holds exactly the new notes that match, each
with its own Follow button, which a click in the DM answers as in a channel. In the
`/paper subscriptions` list each subscription has a Remove button that removes exactly that one
for the person who clicks and replaces the list in place.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_calls import buttons, follow, shown, to
from tests.support.slack_service import (
    ENTRIES,
    TOKEN,
    ask,
    destination,
    posted_to,
    running_bot,
    wait_for,
)

NEXT_DAY = (
    Entry("Reward Hacking in the Wild", commentary="보상 해킹.", tags=("rlhf",)),
    Entry("Vision Paper Nobody Follows", commentary="비전.", tags=("vision",)),
    Entry("Cheaper Attention Kernels", commentary="효율.", tags=("efficiency", "kernels")),
)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


async def test_follow_subscribes_the_clicker_answers_privately_and_survives_a_restart(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes = tmp_path / "notes"
    args = ("--ingest-every", "0.1")
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=args
    ) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        header, *papers = to(api, "chat.postMessage", "C1")
        assert buttons(header, "paper.follow") == []
        follows = [buttons(paper, "paper.follow") for paper in papers]
        assert [len(f) for f in follows] == [1, 1, 1]  # one Follow on each paper
        assert follows[0][0]["text"]["text"] == "🔔 구독 #rlhf"
        assert follows[1][0]["text"]["text"] == "🔔 구독 #attention #efficiency"
        rlhf, attention = papers[0], papers[1]

        assert "이제 구독합니다: tag:rlhf." in await follow(bot, api, follows[0][0], rlhf, "U2")

    config = destination()
    async with running_bot(
        api, tmp_path, database_url, config=config, notes=notes, extra_args=args
    ) as bot:  # a new process: nothing of the first one's memory
        said = await follow(bot, api, follows[1][0], attention, "U2")  # a digest from before
        assert "이제 구독합니다: tag:attention, tag:efficiency." in said, said
        assert "구독 중: tag:rlhf, tag:attention, tag:efficiency." in said
        again = await follow(bot, api, follows[0][0], rlhf, "U2")
        assert "이미 구독 중입니다: tag:rlhf." in again and "이제 구독합니다" not in again

        answer = await ask(api, bot.sender, "subscriptions cadence instant", user="U2")
        assert "tag:efficiency" in json.dumps(answer, ensure_ascii=False)
        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", NEXT_DAY), "utf-8")
        await wait_for(lambda: len(to(api, "chat.postMessage", "DU2")) >= 3)
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 2 * (1 + 3))
        dm_papers = to(api, "chat.postMessage", "DU2")[1:]  # after the DM's header
        assert all(buttons(paper, "paper.follow") for paper in dm_papers)  # Follow there too
        (kernels,) = [c for c in dm_papers if "Kernels" in shown(c)]
        (button,) = buttons(kernels, "paper.follow")
        url = api.response_url()
        await bot.sender.action(
            "paper.follow", button["value"], user="U2", channel="DU2", ephemeral=False,
            message_ts=kernels.answer["ts"], response_url=url,
        )  # fmt: skip
        in_dm = shown(await posted_to(api, url))
        assert "이제 구독합니다: tag:kernels." in in_dm, in_dm
        listed = await ask(api, bot.sender, "subscriptions", user="U2")
        assert "tag:kernels" in json.dumps(listed, ensure_ascii=False)
    dm = [shown(c) for c in to(api, "chat.postMessage", "DU2")]
    assert len(dm) == 3  # the header and exactly the two matching papers, once
    assert [s for s in dm if "Reward Hacking" in s] and [s for s in dm if "Attention Kernels" in s]
    assert not [s for s in dm if "Vision Paper" in s]
    assert {c.args["users"] for c in api.called("conversations.open")} == {"U2"}
    assert api.problems == []


async def test_remove_buttons_remove_exactly_one_subscription_of_the_clicker_in_place(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    async with running_bot(api, tmp_path, database_url, config=destination()) as bot:
        await ask(api, bot.sender, "subscribe tag:rl tag:alignment", user="U2")
        await ask(api, bot.sender, "subscribe tag:alignment", user="U3")
        listed = await ask(api, bot.sender, "subscriptions", user="U2")
        removes = [
            b["accessory"] for b in listed["blocks"] if b.get("accessory", {}).get("action_id")
        ]
        assert [r["value"] for r in removes] == [
            "subscriptions remove tag:rl",
            "subscriptions remove tag:alignment",
        ]

        url = api.response_url()
        await bot.sender.action(
            "paper.unsubscribe", removes[0]["value"], user="U2", response_url=url
        )
        replaced = await posted_to(api, url)
        assert replaced.args["replace_original"] is True  # the list is updated in place
        said = shown(replaced)
        assert "구독을 해지했습니다: tag:rl." in said and "구독 중: tag:alignment." in said
        assert [b["value"] for b in buttons(replaced, "paper.unsubscribe")] == [
            "subscriptions remove tag:alignment"
        ]

        url = api.response_url()  # someone else clicks U2's other Remove: it acts for them
        await bot.sender.action(
            "paper.unsubscribe", removes[1]["value"], user="U9", response_url=url
        )
        assert "tag:alignment 은(는) 구독 중이 아니었습니다" in shown(await posted_to(api, url))
        for person in ("U2", "U3"):  # both still follow tag:alignment
            mine = await ask(api, bot.sender, "subscriptions", user=person)
            assert mine["text"] == "구독 중: tag:alignment."
    assert api.problems == []
