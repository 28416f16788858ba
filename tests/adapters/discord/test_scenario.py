"""Issue 12's "Done when" on Discord as one scenario: the real `paperbot run` process (discord.py)
against the gateway and REST stand-in, two processes over one database.

In order: a digest is posted; Ana reacts 🔔 on its paper (in the digest's thread) and gets
exactly one confirmation by DM, although the gateway replays that event at a RESUME and the
reconnect's reconcile pass reads the message again; paperbot restarts between the reaction and
the digest, and Bea's 🔔 added while it was stopped is picked up by the reconcile pass at READY
(the message reactions endpoint) and confirmed once; the next ingest brings two matching notes
and one that does not match, and each person's instant DM digest holds exactly the two, once;
Ana's 🔔 removed, the next matching note comes to Bea only; a number of the tag menu follows
its tag and removing it takes it back; the paper's Follow button follows its tags, answered
privately; `/paper unsubscribe all` leaves no row of Ana in any subscription or DM-history table
while Bea's stay.

Variants covered elsewhere, as faithfully: the same event dispatched twice on one connection
(`test_subscriptions.py`), a 🔔 added and removed while stopped or while the gateway was down
with the next DM holding exactly the matching notes (`test_reconcile.py`), tag-menu numbers
changed while stopped (`test_tag_menu.py`), a Follow click after a restart and the Remove
buttons (`test_follow.py`), a 🔔 inside the DM digest (`test_dm_follow.py`), and a 🔔 on a DM
digest's paper added while stopped (`test_reconcile.py`)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.discord_paper import custom_ids, texts
from tests.support.discord_service import (
    ADMIN,
    ANA,
    BEA,
    FIRST,
    LATER,
    MANAGE_GUILD,
    MATCHING,
    OTHER,
    deployment,
    rows_of,
    said_privately,
    serving,
)
from tests.support.discord_standin import DiscordStandIn
from tests.support.real_delivery import write_notes

FOLLOWED = "Now following tag:rl, tag:reasoning"
REACTED = 'paperbot_reactions_total{outcome="recorded",platform="discord"}'


async def test_issue_12_end_to_end_on_discord(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    notes, guild, channel = setup.notes, setup.guild, setup.channel
    async with serving(setup, tmp_path / "first.log") as service:
        _, paper = await service.first_digest()
        await service.logged("discord reconcile:")  # the pass at READY: nothing yet
        for user in (ANA, BEA):  # nothing followed yet: the plan is kept for the first
            await service.paper(user, "subscriptions cadence instant")

        await service.react(ANA, paper)
        await standin.wait_for(lambda: service.said_by_dm(ANA, FOLLOWED), 60)
        standin.replay_at_resume = 1  # Ana's reaction, sent again when the client resumes
        await standin.drop()
        await service.logged("reconcile pass asked for (reconnect (resumed))")
        await service.metric(f"{REACTED} 2")  # the replayed event reached the core
        await service.logged("discord reconcile:", 2)
        assert any(c.resumed for c in standin.connections)
        assert len(service.said_by_dm(ANA)) == 1  # one confirmation, nothing else

    standin.react(paper["id"], "🔔", BEA)  # while paperbot is stopped: no gateway event
    async with serving(setup, tmp_path / "second.log") as service:
        await standin.wait_for(lambda: service.said_by_dm(BEA, FOLLOWED), 90)
        await service.logged("1 reactions added and 0 removed")

        write_notes(notes, [FIRST, *MATCHING, OTHER])
        await service.instant_passes(1)
        for user in (ANA, BEA):
            await standin.wait_for(lambda u=user: len(service.dm_titles(u)) >= 2, 60)
            assert sorted(service.dm_titles(user)) == sorted(e.title for e in MATCHING)

        await service.react(ANA, paper, added=False)
        await standin.wait_for(lambda: service.said_by_dm(ANA, "No longer following"), 60)
        (undone,) = service.said_by_dm(ANA, "No longer following")
        assert "tag:rl" in undone and "tag:reasoning" in undone
        write_notes(notes, [FIRST, *MATCHING, OTHER, LATER])
        await standin.wait_for(lambda: LATER.title in service.dm_titles(BEA), 90)
        await service.instant_passes(2)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)  # once

        posted = await service.paper(ADMIN, "tags menu", permissions=MANAGE_GUILD)
        assert "Tag menu posted" in posted
        (menu,) = [m for m in standin.channel_posts(channel) if "Follow a tag" in texts(m)]
        found = re.search(r"(\S+)\s+#moe", texts(menu))
        assert found is not None, texts(menu)
        number = found[1].replace("\ufe0f", "")
        await service.react(ANA, menu, number)
        await standin.wait_for(lambda: service.said_by_dm(ANA, "Now following tag:moe"), 60)
        await service.react(ANA, menu, number, added=False)
        await standin.wait_for(lambda: service.said_by_dm(ANA, "No longer following tag:moe"), 60)

        (follow,) = custom_ids(paper)
        said = said_privately(await service.click(paper, follow, ANA))
        assert "Now following: tag:rl, tag:reasoning." in said, said
        assert "You follow: tag:rl, tag:reasoning." in await service.paper(ANA, "subscriptions")

        assert sum((await rows_of(database_url, guild, ANA)).values()) > 0
        gone = await service.paper(ANA, "unsubscribe all")
        assert "Unsubscribed from all" in gone
        assert "You follow nothing." in await service.paper(ANA, "subscriptions")

    left = await rows_of(database_url, guild, ANA)
    assert left == dict.fromkeys(left, 0), left
    kept = await rows_of(database_url, guild, BEA)
    assert kept["subscriptions"] == 2 and kept["digest_runs"] == 2 and kept["reaction_marks"] == 1
    assert len(service.said_by_dm(ANA, FOLLOWED)) == 1  # the replay confirmed nothing
    assert len(service.said_by_dm(BEA, FOLLOWED)) == 1  # nor the passes of either start
    assert sorted(service.dm_titles(BEA)) == sorted(e.title for e in (*MATCHING, LATER))
    assert len(standin.dm_posts(ANA)) == 1 + 3 + 1 + 2  # 🔔 ±, one DM digest, the menu ±
    assert standin.problems == []
