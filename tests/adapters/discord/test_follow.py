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

from pathlib import Path

from tests.support.discord_paper import custom_ids, edited_in_place, texts
from tests.support.discord_service import (
    ANA,
    BEA,
    FIRST,
    MATCHING,
    OTHER,
    deployment,
    said_privately,
    serving,
)
from tests.support.discord_standin import DiscordStandIn
from tests.support.real_delivery import write_notes


async def test_follow_answers_privately_works_after_a_restart_and_brings_the_matching_dms(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    notes, guild = setup.notes, setup.guild
    async with serving(setup, tmp_path / "first.log") as service:
        header, paper = await service.first_digest()
        assert custom_ids(header) == []
        (follow,) = custom_ids(paper)
        assert follow.startswith("paper:follow:2024-09-20-")
        (button,) = paper["components"][0]["components"]
        assert button["label"] == "🔔 Follow #rl #reasoning"
        said = said_privately(await service.click(paper, follow, ANA))
        assert "Now following: tag:rl, tag:reasoning." in said, said

    # a new process: the same database, no memory
    async with serving(setup, tmp_path / "bot.log") as service:
        await service.ready()
        again = said_privately(await service.click(paper, follow, ANA))
        assert "You already follow tag:rl, tag:reasoning." in again, again
        assert "Now following" not in again
        clicked = await service.click(paper, follow, BEA)
        assert "Now following: tag:rl, tag:reasoning." in said_privately(clicked)
        assert "right after" in await service.paper(ANA, "subscriptions cadence instant")

        write_notes(notes, [FIRST, *MATCHING, OTHER])
        await service.instant_passes(1)
        await standin.wait_for(lambda: len(service.dm_titles(ANA)) >= 2, 60)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)
        dm = [ids for m in standin.dm_posts(ANA) if (ids := custom_ids(m))]
        assert len(dm) == 2 and all(i.endswith(f":{guild}") for (i,) in dm)  # Follow, scoped

        listing = (await service.ask(ANA, "subscriptions")).message()
        assert custom_ids(listing) == ["paper:unsub:tag:rl", "paper:unsub:tag:reasoning"]

        removed = await service.click(listing, "paper:unsub:tag:rl", ANA)
        assert edited_in_place(removed)  # the list, edited in place
        shown = removed.message()
        assert "No longer following: tag:rl." in texts(shown)
        assert "You follow: tag:reasoning." in texts(shown)
        assert custom_ids(shown) == ["paper:unsub:tag:reasoning"]

        other = await service.click(shown, "paper:unsub:tag:reasoning", BEA)  # not ANA
        assert "No longer following: tag:reasoning." in texts(other.message())
        assert "You follow: tag:rl." in texts(other.message())  # BEA's own list
        assert "You follow: tag:reasoning." in await service.paper(ANA, "subscriptions")
    assert standin.problems == []
