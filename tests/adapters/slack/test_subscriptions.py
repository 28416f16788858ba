"""Issue 12 on Slack, end to end with the real service against the Web API stand-in: a digest is
posted; a person reacts `bell` on a paper's thread reply and gets one ephemeral confirmation
(the event delivered twice, and added twice, changes nothing; the bot's own reaction is
ignored); with instant cadence the next ingest's two matching notes (of three) reach the
person's DM (`conversations.open`) once, a correction edits that DM in place, and once the
reaction is removed a new matching note brings no DM."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_calls import react, shown, to
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import ENTRIES, TOKEN, Bot, ask, destination, running_bot, wait_for

NEXT_DAY = (
    Entry("Scaling Reward Models", commentary="보상 모델.", tags=("rlhf", "scaling")),
    Entry("Vision Paper Nobody Follows", commentary="비전.", tags=("vision",)),
    Entry("Preference Data at Scale", commentary="선호 데이터.", tags=("rlhf",)),
)
LATER_DAY = (Entry("RLHF Once More", commentary="한 번 더.", tags=("rlhf",)),)


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.workspace("T1", TOKEN)
        yield api


def _ingests(bot: Bot) -> int:
    """How many ingests that changed something have finished (instant DMs included)."""
    return bot.logged().count("ingested ")


async def test_react_then_a_dm_of_exactly_the_matching_new_notes_once(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    notes = tmp_path / "notes"
    async with running_bot(
        api, tmp_path, database_url, config=destination(), extra_args=("--ingest-every", "0.1")
    ) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        _header, rlhf_reply, attention_reply, _ = to(api, "chat.postMessage", "C1")
        assert "Reward Models" in shown(rlhf_reply)  # ENTRIES[0], tagged #rlhf
        await bot.reconciled()  # the 🔔s below are events only, never added on the stand-in

        bell = reaction_event(channel="C1", ts=rlhf_reply.answer["ts"], user="U2")
        once = bot.sender.event_body(bell, event_id="EvBell1")
        assert (await bot.sender.send(once, "application/json")).status == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert (await bot.sender.send(once, "application/json", headers=retry)).status == 200
        await wait_for(lambda: api.called("chat.postEphemeral"))
        (confirmed,) = api.called("chat.postEphemeral")
        assert confirmed.args["channel"] == "C1" and confirmed.args["user"] == "U2"
        assert "이제 구독합니다: tag:rlhf." in shown(confirmed)

        await bot.sender.event(bell)  # the same reaction again, a new event id: a no-op
        bot_bell = reaction_event(channel="C1", ts=attention_reply.answer["ts"], user="UBOT")
        await bot.sender.event(bot_bell)  # the bot's own reaction
        answer = await ask(api, bot.sender, "subscriptions cadence instant", user="U2")
        assert "tag:rlhf" in json.dumps(answer)

        (notes / "2024-10-01.txt").write_text(notes_text("2024-10-01", NEXT_DAY), "utf-8")
        await wait_for(lambda: len(to(api, "chat.postMessage", "DU2")) >= 3)
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 2 * (1 + 3))
        dm = to(api, "chat.postMessage", "DU2")
        (opened,) = {c.args["users"] for c in api.called("conversations.open")}
        assert opened == "U2"  # nobody else, and never the bot
        said = [shown(c) for c in dm]
        assert "thread_ts" not in dm[0].args and all("thread_ts" in c.args for c in dm[1:])
        assert [s for s in said if "Scaling Reward Models" in s]
        assert [s for s in said if "Preference Data at Scale" in s]
        assert not [s for s in said if "Vision Paper" in s or "Sparse Attention" in s]
        assert len(api.called("chat.postEphemeral")) == 1  # one confirmation, none for the bot

        in_dm = reaction_event(channel="DU2", ts=dm[1].answer["ts"], user="U2")
        await bot.sender.event(in_dm)  # 🔔 inside the DM, on its first paper
        await wait_for(lambda: len(api.called("chat.postEphemeral")) >= 2)
        from_dm = api.called("chat.postEphemeral")[1]
        assert from_dm.args["channel"] == "DU2" and "tag:scaling" in shown(from_dm)
        dm_off = reaction_event(channel="DU2", ts=dm[1].answer["ts"], user="U2", added=False)
        await bot.sender.event(dm_off)  # takes back tag:scaling, and its origin on tag:rlhf
        await wait_for(lambda: len(api.called("chat.postEphemeral")) >= 3)
        assert "구독을 해지했습니다: tag:scaling." in shown(api.called("chat.postEphemeral")[2])

        fixed = (Entry("Scaling Reward Models", commentary="고친 코멘트.", tags=NEXT_DAY[0].tags),)
        (notes / "2024-10-01.txt").write_text(
            notes_text("2024-10-01", fixed + NEXT_DAY[1:]), "utf-8"
        )
        await wait_for(lambda: [c for c in to(api, "chat.update", "DU2") if "고친" in shown(c)])

        unbell = reaction_event(channel="C1", ts=rlhf_reply.answer["ts"], user="U2", added=False)
        await bot.sender.event(unbell)
        await wait_for(lambda: len(api.called("chat.postEphemeral")) >= 4)
        await bot.sender.event(unbell)  # removed twice: nothing more to take back
        assert "구독을 해지했습니다: tag:rlhf." in shown(api.called("chat.postEphemeral")[3])

        before = _ingests(bot)
        (notes / "2024-10-02.txt").write_text(notes_text("2024-10-02", LATER_DAY), "utf-8")
        await wait_for(lambda: _ingests(bot) > before)  # logged after the instant DMs ran
        await wait_for(
            lambda: [c for c in api.called("chat.postMessage") if "Once More" in shown(c)]
        )
    assert len(to(api, "chat.postMessage", "DU2")) == 3  # the one DM, nothing after the 🔕
    assert not [c for c in to(api, "chat.postMessage", "DU2") if "Once More" in shown(c)]
    assert len(api.called("chat.postEphemeral")) == 4
    assert api.problems == []


async def test_the_confirmation_window_is_the_config_files(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    """`[subscriptions] confirm_window_seconds = 0`: a `bell` and its removal right after are
    two confirmations (in the default 3 s window they would cancel out and say nothing)."""
    config = destination() + "\n[subscriptions]\nconfirm_window_seconds = 0\n"
    async with running_bot(api, tmp_path, database_url, config=config) as bot:
        await wait_for(lambda: len(to(api, "chat.postMessage", "C1")) >= 1 + len(ENTRIES))
        await wait_for(lambda: "slack reconcile:" in bot.logged())  # the pass at start: done
        rlhf = to(api, "chat.postMessage", "C1")[1]
        await react(bot, api, rlhf, "U2")
        await wait_for(lambda: "subscribed to tag:rlhf" in bot.logged())  # the core has it
        await react(bot, api, rlhf, "U2", added=False)
        await wait_for(lambda: len(api.called("chat.postEphemeral")) >= 2)
        said = [shown(c) for c in api.called("chat.postEphemeral")]
        assert "이제 구독합니다" in said[0] and "구독을 해지했습니다" in said[1], said
