"""The tag menu on Discord, end to end: the real `paperbot run` process with DISCORD_BOT_TOKEN
set, against the stand-in. `/paper tags menu` without Manage Server is refused; with it the menu
is posted in the channel and the bot adds its numbers (`PUT …/reactions/{emoji}/@me`); a
person's 2️⃣ follows that number's tag with one DM confirmation, removing it takes it back, the
bot's own reaction is ignored; an ingest that changes the most used tags edits the menu in place
(`PATCH …/messages/{id}`) and adds the new number. Numbers added and removed while the service
was stopped take effect at the next start (the reconcile pass reads the menu's reactions),
confirmed once by DM; a further start changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.discord_paper import texts
from tests.support.discord_service import (
    ADMIN,
    ANA,
    BEA,
    MANAGE_GUILD,
    Service,
    deployment,
    serving,
)
from tests.support.discord_standin import BOT_ID, DiscordStandIn
from tests.support.real_delivery import Entry, write_notes

FIRST = [
    Entry("Reward Models Under Pressure", tags=("rl", "reasoning")),
    Entry("Policy Gradients Revisited", tags=("rl",)),
]
MOE = [Entry(f"Experts {n}", tags=("moe",)) for n in range(3)]


async def _menu_command(service: Service, user: str, permissions: int) -> str:
    return await service.paper(user, "tags menu", permissions=permissions)


async def test_an_admin_posts_the_menu_and_a_number_follows_its_tag(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, FIRST, digests=False)
    notes, channel = setup.notes, setup.channel
    async with serving(setup, tmp_path / "bot.log") as service:
        await service.logged("start-up ingest of")
        await standin.wait_for(lambda: standin.sessions, 90)
        refused = await _menu_command(service, ANA, 0)
        assert "Only workspace admins" in refused and not standin.channel_posts(channel)

        posted = await _menu_command(service, ADMIN, MANAGE_GUILD)
        assert "Tag menu posted with 2 tags." in posted
        (menu,) = standin.channel_posts(channel)
        shown = texts(menu)
        assert "Follow a tag" in shown and shown.index("1️⃣  #rl") < shown.index("2️⃣  #reasoning")
        await standin.wait_for(lambda: len(standin.reactions) == 2, 60)
        assert standin.reactions == [(channel, menu["id"], "1️⃣"), (channel, menu["id"], "2️⃣")]

        await service.react(BOT_ID, menu, "1️⃣")  # the bot's own: ignored
        await service.react(ANA, menu, "2️⃣")
        (confirmed,) = await standin.wait_for(lambda: standin.dm_posts(ANA), 60)
        assert "Now following tag:reasoning" in texts(confirmed)
        await service.react(ANA, menu, "2️⃣", added=False)
        removed = await standin.wait_for(lambda: standin.dm_posts(ANA)[1:], 60)
        assert "No longer following tag:reasoning" in texts(removed[0])
        assert BOT_ID not in standin.dms

        write_notes(notes, MOE, name="2024-10-01.txt")
        edits = await standin.wait_for(
            lambda: standin.sent("PATCH", rf"/channels/{channel}/messages/{menu['id']}"), 90
        )
        assert "3️⃣  #moe" in texts(edits[0].body)  # rl and reasoning keep their numbers
        assert "1️⃣  #rl" in texts(standin.messages[menu["id"]])
        await standin.wait_for(lambda: len(standin.reactions) == 3, 60)
        assert standin.reactions[2] == (channel, menu["id"], "3️⃣")
    assert len(standin.dm_posts(ANA)) == 2  # one confirmation each way
    assert standin.problems == []


async def _reconciled(log: Path) -> str:
    """The start's reconcile pass has run: its log line."""
    async with asyncio.timeout(90):
        while "discord reconcile:" not in log.read_text():  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.1)
    return next(line for line in log.read_text().splitlines() if "discord reconcile:" in line)


async def test_numbers_changed_on_the_menu_while_stopped_take_effect_at_the_next_start(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, FIRST, digests=False)
    channel = setup.channel
    first = tmp_path / "first.log"
    async with serving(setup, first) as service:
        await service.logged("start-up ingest of")
        await standin.wait_for(lambda: standin.sessions, 90)
        await _menu_command(service, ADMIN, MANAGE_GUILD)
        (menu,) = standin.channel_posts(channel)
        await standin.wait_for(lambda: len(standin.reactions) == 2, 60)
        standin.react(menu["id"], "1️⃣", BEA)  # Bea follows #rl while paperbot runs
        await service.react(BEA, menu, "1️⃣")
        await standin.wait_for(lambda: standin.dm_posts(BEA), 60)
        assert "tag:rl" in await service.paper(BEA, "subscriptions")

    standin.react(menu["id"], "2️⃣", ANA)  # while paperbot is stopped: no gateway events
    standin.react(menu["id"], "1️⃣", BEA, added=False)
    second = tmp_path / "second.log"
    async with serving(setup, second) as service:
        assert "1 reactions added and 1 removed" in await _reconciled(second)
        await standin.wait_for(lambda: standin.dm_posts(ANA) and standin.dm_posts(BEA)[1:], 60)
        (followed,) = service.said_by_dm(ANA)
        assert "Now following tag:reasoning" in followed
        assert "No longer following tag:rl" in service.said_by_dm(BEA)[1]
        assert "tag:reasoning" in await service.paper(ANA, "subscriptions")
        assert "You follow nothing." in await service.paper(BEA, "subscriptions")

    third = tmp_path / "third.log"
    async with serving(setup, third) as service:
        assert "0 reactions added and 0 removed" in await _reconciled(third)
        assert "tag:reasoning" in await service.paper(ANA, "subscriptions")
    assert len(standin.dm_posts(ANA)) == 1 and len(standin.dm_posts(BEA)) == 2  # never again
    assert len(standin.channel_posts(channel)) == 1
    assert standin.problems == []


async def test_a_menu_asked_for_in_a_thread_follows_by_event_and_by_the_reconcile_pass(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    """A thread's reactions come with the parent channel's id for the ledger and the thread's
    (`Reaction.thread`) for a menu kept under the thread: a number added there follows its tag,
    one added while paperbot was stopped is found by the pass at the next start (reading the
    message inside the thread), and removing the first takes back what it added."""
    setup = deployment(standin, database_url, tmp_path, FIRST)
    async with serving(setup, tmp_path / "first.log") as service:
        (header, *_) = await standin.wait_for(lambda: standin.channel_posts(setup.channel), 90)
        thread = header["id"]  # the digest's thread: its id is the header's
        await standin.wait_for(lambda: standin.channel_posts(thread), 90)
        posted = await service.paper(ADMIN, "tags menu", channel=thread, permissions=MANAGE_GUILD)
        assert "Tag menu posted with 2 tags." in posted
        (menu,) = [m for m in standin.channel_posts(thread) if "Follow a tag" in texts(m)]
        await standin.wait_for(lambda: len(standin.reactions) == 2, 60)
        assert standin.reactions[0] == (thread, menu["id"], "1️⃣")
        await service.react(ANA, menu, "2️⃣")
        await standin.wait_for(lambda: service.said_by_dm(ANA), 60)
        assert "Now following tag:reasoning" in service.said_by_dm(ANA)[0]

    standin.react(menu["id"], "1️⃣", BEA)  # while paperbot is stopped
    async with serving(setup, tmp_path / "second.log") as service:
        assert "1 reactions added and 0 removed" in await _reconciled(service.log)
        await standin.wait_for(lambda: service.said_by_dm(BEA), 60)
        assert "Now following tag:rl" in service.said_by_dm(BEA)[0]
        await service.react(ANA, menu, "2️⃣", added=False)
        await standin.wait_for(lambda: service.said_by_dm(ANA)[1:], 60)
        assert "No longer following tag:reasoning" in service.said_by_dm(ANA)[1]
        assert "You follow nothing." in await service.paper(ANA, "subscriptions")
        assert "tag:rl" in await service.paper(BEA, "subscriptions")
    assert standin.sent("GET", rf"/channels/{thread}/messages/{menu['id']}/reactions/.+")
    assert len(standin.dm_posts(ANA)) == 2 and len(standin.dm_posts(BEA)) == 1
    assert standin.problems == []
