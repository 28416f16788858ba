"""Follow buttons and 🔔 inside a person's Discord DM digest, end to end: the real `paperbot run`
process against the stand-in.

A DM has no server, and subscriptions are per server: the DM digest's Follow buttons carry the
guild of the digest (`paper:follow:<note key>:<guild>`), and a 🔔 in the DM (its event names no
guild and the DM channel) is matched to the ledger's DM message by its channel `@<user id>` and
id. Both follow in that guild for the DM's owner; removing the 🔔 takes back exactly what it
added. A Follow button in a DM from before buttons named their guild follows nothing and says
privately, in the clicker's language, where to follow instead.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.discord_paper import custom_ids, texts
from tests.support.discord_service import ANA, FIRST, deployment, said_privately, serving
from tests.support.discord_standin import BOT_ID, CHANNEL_DM, Channel, DiscordStandIn, snowflake
from tests.support.real_delivery import Entry, write_notes

CLICKED = Entry("Policy Gradients Revisited", tags=("rl", "moe"))
BELLED = Entry("Chains of Thought at Scale", tags=("rl", "vision"))
UNDONE = "구독을 해지했습니다"  # "No longer following"


async def test_a_dm_digest_has_guild_scoped_follow_buttons_and_its_bell_is_matched(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    async with serving(setup, tmp_path / "bot.log") as service:
        await service.first_digest()
        assert "tag:rl" in await service.paper(ANA, "subscribe tag:rl")
        await service.paper(ANA, "subscriptions cadence instant")

        write_notes(setup.notes, [FIRST, CLICKED, BELLED])
        await service.instant_passes(1)
        await standin.wait_for(lambda: len(service.dm_titles(ANA)) >= 2, 60)
        papers = {m["embeds"][0]["title"]: m for m in standin.dm_posts(ANA) if custom_ids(m)}
        assert sorted(papers) == sorted([CLICKED.title, BELLED.title])
        for paper in papers.values():
            (follow,) = custom_ids(paper)
            assert follow.startswith("paper:follow:2024-") and follow.endswith(f":{setup.guild}")
            assert len(follow) <= 100

        clicked = papers[CLICKED.title]
        said = said_privately(await service.click(clicked, custom_ids(clicked)[0], ANA))
        # in the digest's language (the channel destination's: Korean)
        assert "이제 구독합니다: tag:moe." in said and "이미 구독 중입니다: tag:rl." in said, said
        listed = await service.paper(ANA, "subscriptions")  # in the guild: the DM's server
        assert "tag:moe" in listed and "tag:vision" not in listed, listed

        belled = papers[BELLED.title]
        await service.react(BOT_ID, belled, in_dm=True)  # the bot's own 🔔: ignored
        await service.react(ANA, belled, in_dm=True)
        followed = "이제 구독합니다: tag:vision."  # "Now following tag:vision."
        await standin.wait_for(lambda: any(followed in texts(m) for m in standin.dm_posts(ANA)), 60)
        listed = await service.paper(ANA, "subscriptions")
        assert all(f"tag:{t}" in listed for t in ("rl", "moe", "vision")), listed

        await service.react(ANA, belled, in_dm=True, added=False)
        await standin.wait_for(lambda: any(UNDONE in texts(m) for m in standin.dm_posts(ANA)), 60)
        (undone,) = [m for m in standin.dm_posts(ANA) if UNDONE in texts(m)]
        assert f"🔕 {UNDONE}: tag:vision." in texts(undone), texts(undone)  # only what it added
        listed = await service.paper(ANA, "subscriptions")
        assert "tag:rl" in listed and "tag:moe" in listed and "tag:vision" not in listed, listed
    assert BOT_ID not in standin.dms
    assert standin.problems == []


async def test_an_old_follow_button_in_a_dm_says_privately_where_to_follow(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    """A DM digest posted before Follow buttons carried their guild has `paper:follow:<key>`:
    the click names no server, so it cannot follow. It was answered with a bare deferred update
    (the person saw nothing happen); it says, privately and in their language, to follow from
    the server's channel digest or with /paper subscribe there, and follows nothing."""
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    async with serving(setup, tmp_path / "bot.log") as service:
        _, paper = await service.first_digest()
        (follow,) = custom_ids(paper)
        assert follow.count(":") == 2  # paper:follow:<note key>, no guild
        dm = Channel(snowflake(), None, CHANNEL_DM, "dm", recipient=ANA)
        standin.channels[dm.id] = dm
        old = {k: v for k, v in paper.items() if k != "guild_id"} | {
            "id": snowflake(),
            "channel_id": dm.id,
        }  # the same paper as it was posted into Ana's DM back then

        async def click(locale: str) -> str:
            data = {"custom_id": follow, "component_type": 2}
            clicked = await standin.interact(
                3, data, channel_id=dm.id, user_id=ANA, locale=locale, message=old
            )
            await standin.wait_for(lambda: clicked.complete, 60)
            return said_privately(clicked)

        english, korean = await click("en-US"), await click("ko")
        assert "Click Follow on the digest in the server's channel" in english, english
        assert "서버 채널의 다이제스트에서 구독 버튼을 누르거나" in korean, korean
        assert "/paper subscribe tag:" in english and "/paper subscribe tag:" in korean
        listed = await service.paper(ANA, "subscriptions")
        assert "You follow nothing" in listed, listed
    assert standin.problems == []
