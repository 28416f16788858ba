"""Reactions on messages paperbot did not post, end to end: the real `paperbot run` process
against the stand-in. With the guild and DM reaction intents every reaction anyone adds in a
channel the bot can see arrives, on people's messages and on messages posted through webhooks;
the ledger does not know them, so each is counted as ignored and changes nothing: no
subscription, no confirmation DM, no error, no request to Discord but one read of a new thread's
parent (shared by the reactions arriving together). In a DM (the event names no
guild) one on the person's own message is looked up the same way and ignored too."""

from __future__ import annotations

from pathlib import Path

from tests.support.discord_service import ANA, BEA, FIRST, deployment, rows_of, serving
from tests.support.discord_standin import (
    CHANNEL_PUBLIC_THREAD,
    Channel,
    DiscordStandIn,
    snowflake,
)

WEBHOOK = "880000000000000001"  # a webhook's id: a message it posted names it as the author
IGNORED = 'paperbot_reactions_total{outcome="ignored",platform="discord"}'


async def test_reactions_on_messages_paperbot_did_not_post_change_nothing(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST], digests=False)
    thread = Channel(
        snowflake(), setup.guild, CHANNEL_PUBLIC_THREAD, "chat", parent_id=setup.channel
    )
    standin.channels[thread.id] = thread  # not in the client's cache: its parent read once
    by_webhook = {"channel_id": setup.channel, "id": snowflake()}
    in_a_thread = {"channel_id": thread.id, "id": snowflake()}
    in_her_dm = {"channel_id": snowflake(), "id": snowflake()}  # her own message to the bot
    async with serving(setup, tmp_path / "bot.log") as service:
        await service.ready()
        await service.logged("discord reconcile:")
        requests = len(standin.requests)
        for added in (True, False):
            await service.react(ANA, by_webhook, added=added, author=WEBHOOK)
            await service.react(ANA, in_a_thread, "1️⃣", added=added, author=BEA)
            await service.react(ANA, in_her_dm, added=added, author=ANA, in_dm=True)
        await service.metric(f"{IGNORED} 6")
        reads = [r.path for r in standin.requests[requests:]]
        assert reads == [f"/channels/{thread.id}"], reads  # the thread's parent, once
        listed = await service.paper(ANA, "subscriptions")
        assert "You follow nothing" in listed, listed
        assert ANA not in standin.dms  # no confirmation
        assert not any((await rows_of(database_url, setup.guild, ANA)).values())
    logged = (tmp_path / "bot.log").read_text()
    assert '"level": "error"' not in logged and '"exception"' not in logged, logged[-3000:]
    assert standin.problems == []
