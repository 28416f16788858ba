"""Issue 12's Follow and Remove buttons on Discord, end to end: the real `paperbot run` process
against the stand-in, clicks sent as INTERACTION_CREATE (MESSAGE_COMPONENT) over its gateway.

Each paper's message in a digest's thread carries a Follow button; a click follows the paper's
tags for the clicker and is answered ephemerally; after a restart (a new process, the same
database) the old message's button still works, a second click says the tags are already
followed, and the instant DM holds exactly the new notes that match. The `/paper subscriptions`
list has a Remove button per subscription that edits the list in place and acts for whoever
clicks it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.discord.test_service import _start
from tests.adapters.discord.test_subscriptions import (
    ANA,
    BEA,
    FIRST,
    MATCHING,
    OTHER,
    Service,
    Setup,
)
from tests.support.discord_paper import custom_ids, texts
from tests.support.discord_standin import DiscordStandIn, Interaction, snowflake
from tests.support.real_delivery import write_notes

EPHEMERAL = 64


async def _ready(service: Service) -> None:
    """Until the child's `/readyz` says the gateway is connected."""
    async with asyncio.timeout(90), aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{service.port()}/readyz") as answer:
                    if answer.status == 200:
                        return
            except (AssertionError, aiohttp.ClientError):
                pass  # not listening yet
            await asyncio.sleep(0.1)  # polling another process


async def _click(
    standin: DiscordStandIn, message: dict[str, Any], custom_id: str, user: str
) -> Interaction:
    data = {"custom_id": custom_id, "component_type": 2}
    clicked = await standin.interact(
        3, data, channel_id=message["channel_id"], user_id=user, locale="en-US", message=message
    )
    await standin.wait_for(lambda: clicked.complete, 60)
    return clicked


def _said(clicked: Interaction) -> str:
    """The text of the ephemeral answer to a click (at once, or deferred and followed up)."""
    (callback,) = clicked.callbacks
    assert callback["type"] in (4, 5) and callback["data"]["flags"] & EPHEMERAL
    return texts(clicked.message())


async def _stop(process: asyncio.subprocess.Process, log: Path) -> None:
    if process.returncode is None:
        process.terminate()
    async with asyncio.timeout(30):
        await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]


async def test_follow_answers_privately_works_after_a_restart_and_brings_the_matching_dms(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = Setup.make(standin, database_url, tmp_path)
    notes, guild, channel, args, env = (
        setup.notes,
        setup.guild,
        setup.channel,
        setup.args,
        setup.env,
    )
    first_log = tmp_path / "first.log"
    process = await _start(args, env, first_log)
    try:
        service = Service(standin, guild, channel, first_log)
        (header,) = await standin.wait_for(lambda: standin.channel_posts(channel), 90)
        (paper,) = await standin.wait_for(lambda: standin.channel_posts(header["id"]), 90)
        await service.logged("posted slot:")
        assert custom_ids(header) == []
        (follow,) = custom_ids(paper)
        assert follow.startswith("paper:follow:2024-09-20-")
        (button,) = paper["components"][0]["components"]
        assert button["label"] == "🔔 Follow #rl #reasoning"
        said = _said(await _click(standin, paper, follow, ANA))
        assert "Now following: tag:rl, tag:reasoning." in said, said
    finally:
        await _stop(process, first_log)

    log = tmp_path / "bot.log"
    process = await _start(args, env, log)  # a new process: the same database, no memory
    try:
        service = Service(standin, guild, channel, log)
        await _ready(service)
        again = _said(await _click(standin, paper, follow, ANA))
        assert "You already follow tag:rl, tag:reasoning." in again, again
        assert "Now following" not in again
        assert "Now following: tag:rl, tag:reasoning." in _said(
            await _click(standin, paper, follow, BEA)
        )
        assert "right after" in await service.paper(ANA, "subscriptions cadence instant")

        write_notes(notes, [FIRST, *MATCHING, OTHER])
        await service.instant_passes(1)
        await standin.wait_for(lambda: len(service.dm_titles(ANA)) >= 2, 60)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)
        dm = [ids for m in standin.dm_posts(ANA) if (ids := custom_ids(m))]
        assert len(dm) == 2 and all(i.endswith(f":{guild}") for (i,) in dm)  # Follow, scoped

        data = {"id": snowflake(), "name": "paper", "type": 1,
                "options": [{"name": "query", "type": 3, "value": "subscriptions"}]}  # fmt: skip
        listed = await standin.interact(2, data, channel_id=channel, user_id=ANA, locale="en-US")
        await standin.wait_for(lambda: listed.complete, 60)
        listing = listed.message()
        assert custom_ids(listing) == ["paper:unsub:tag:rl", "paper:unsub:tag:reasoning"]

        removed = await _click(standin, listing, "paper:unsub:tag:rl", ANA)
        assert [c["type"] for c in removed.callbacks] == [7]  # the list, edited in place
        shown = removed.message()
        assert "No longer following: tag:rl." in texts(shown)
        assert "You follow: tag:reasoning." in texts(shown)
        assert custom_ids(shown) == ["paper:unsub:tag:reasoning"]

        other = await _click(standin, shown, "paper:unsub:tag:reasoning", BEA)  # not ANA
        assert "No longer following: tag:reasoning." in texts(other.message())
        assert "You follow: tag:rl." in texts(other.message())  # BEA's own list
        assert "You follow: tag:reasoning." in await service.paper(ANA, "subscriptions")
    finally:
        await _stop(process, log)
    assert standin.problems == []
