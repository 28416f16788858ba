"""Issue 12 on Discord, end to end: the real `paperbot run` process with DISCORD_BOT_TOKEN set,
against the stand-in. A digest is posted; a 🔔 on a paper's message in its thread follows that
paper's tags and is confirmed once by DM (the bot's own 🔔 and a repeated event change nothing);
the next ingest's two matching notes (not the third) come in the person's instant DM digest,
once; removing the 🔔 stops further DMs for those tags."""

from __future__ import annotations

from pathlib import Path

from tests.support.discord_paper import texts
from tests.support.discord_service import (
    ANA,
    BEA,
    FIRST,
    LATER,
    MATCHING,
    OTHER,
    deployment,
    serving,
)
from tests.support.discord_standin import BOT_ID, DiscordStandIn
from tests.support.real_delivery import write_notes

RECORDED = 'paperbot_reactions_total{outcome="recorded",platform="discord"}'


async def test_a_bell_follows_a_paper_and_the_instant_dm_holds_exactly_the_matching_notes(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    notes = setup.notes
    async with serving(setup, tmp_path / "bot.log") as service:
        header, paper = await service.first_digest()  # the ledger holds the run's messages
        assert paper["channel_id"] == header["id"]  # the paper's message is in the thread
        # the pass at READY is done: one still reading the paper while Ana's 🔔 comes would
        # apply it too (a no-op, confirmed to nobody, but counted as a reaction handled)
        await service.logged("discord reconcile:")

        await service.react(BOT_ID, paper)  # the bot's own 🔔: ignored
        await service.react(ANA, paper)
        (confirmed,) = await standin.wait_for(lambda: standin.dm_posts(ANA), 60)
        said = texts(confirmed)
        assert "Now following tag:rl, tag:reasoning" in said, said
        await service.react(ANA, paper)  # the same event again: changes nothing
        await service.metric('paperbot_reactions_total{outcome="recorded",platform="discord"} 2')

        listed = await service.paper(ANA, "subscriptions cadence instant")
        assert "right after the notes are read in" in listed and "tag:reasoning" in listed
        assert "tag:rl" in await service.paper(BEA, "subscribe tag:rl")
        await service.paper(BEA, "subscriptions cadence instant")
        assert BOT_ID not in standin.dms  # its own 🔔 subscribed nobody, confirmed nothing

        write_notes(notes, [FIRST, *MATCHING, OTHER])
        await service.instant_passes(1)
        await standin.wait_for(lambda: len(service.dm_titles(ANA)) >= 2, 60)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)
        assert service.dm_titles(BEA) == [MATCHING[0].title]

        await service.react(ANA, paper, added=False)
        removed = await standin.wait_for(lambda: standin.dm_posts(ANA)[4:], 60)
        said = texts(removed[0])
        assert "No longer following" in said and "tag:rl" in said and "tag:reasoning" in said

        write_notes(notes, [FIRST, *MATCHING, OTHER, LATER])
        await standin.wait_for(lambda: LATER.title in service.dm_titles(BEA), 90)
        await service.instant_passes(2)
        assert sorted(service.dm_titles(ANA)) == sorted(e.title for e in MATCHING)  # once
        assert len(standin.dm_posts(ANA)) == 5  # 2 confirmations, a header and 2 papers
    assert standin.problems == []


async def test_the_confirmation_window_is_the_config_files(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    """`[subscriptions] confirm_window_seconds = 0`: a 🔔 and its removal right after are two
    confirmations (in the default 3 s window they would cancel out and say nothing)."""
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    with open(tmp_path / "paperbot.toml", "a", encoding="utf-8") as config:
        config.write("\n[subscriptions]\nconfirm_window_seconds = 0\n")
    async with serving(setup, tmp_path / "bot.log") as service:
        _, paper = await service.first_digest()
        await service.logged("discord reconcile:")  # the pass at READY is done: not racing
        await service.react(ANA, paper)
        await service.metric(f"{RECORDED} 1")  # the core has it: its window is open, or over
        await service.react(ANA, paper, added=False)
        said = await standin.wait_for(
            lambda: m if len(m := service.said_by_dm(ANA)) >= 2 else None, 60
        )
        assert "Now following" in said[0] and "No longer following" in said[1], said
    assert standin.problems == []
