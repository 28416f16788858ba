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

from tests.adapters.discord.test_service import _start
from tests.adapters.discord.test_subscriptions import Service
from tests.support.discord_paper import texts
from tests.support.discord_service import deployment, serving
from tests.support.discord_standin import BOT_ID, DiscordStandIn, snowflake
from tests.support.real_delivery import Entry, write_notes

ANA, BEA, ADMIN = "700000000000000001", "700000000000000002", "700000000000000009"
MANAGE_GUILD = 1 << 5
FIRST = [
    Entry("Reward Models Under Pressure", tags=("rl", "reasoning")),
    Entry("Policy Gradients Revisited", tags=("rl",)),
]
MOE = [Entry(f"Experts {n}", tags=("moe",)) for n in range(3)]


async def _menu_command(standin: DiscordStandIn, channel: str, user: str, permissions: int) -> str:
    data = {"id": snowflake(), "name": "paper", "type": 1,
            "options": [{"name": "query", "type": 3, "value": "tags menu"}]}  # fmt: skip
    asked = await standin.interact(
        2, data, channel_id=channel, user_id=user, locale="en-US", permissions=permissions
    )
    await standin.wait_for(lambda: asked.complete, 60)
    return texts(asked.message())


async def _react(service: Service, user: str, message: dict[str, object], emoji: str,
                 added: bool = True) -> None:  # fmt: skip
    event = {"user_id": user, "channel_id": message["channel_id"], "message_id": message["id"],
             "guild_id": service.guild, "emoji": {"id": None, "name": emoji}, "burst": False,
             "type": 0, "message_author_id": BOT_ID}  # fmt: skip
    name = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
    await service.standin.dispatch(name, event, service.guild)


async def test_an_admin_posts_the_menu_and_a_number_follows_its_tag(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    write_notes(notes, FIRST)
    guild = standin.add_guild()
    channel = standin.guilds[guild][0]
    config = tmp_path / "paperbot.toml"
    config.write_text("", encoding="utf-8")
    env = {
        "DISCORD_BOT_TOKEN": "test-token.abc",
        "DISCORD_API_BASE_URL": standin.api_base,
        "DISCORD_GATEWAY_URL": standin.gateway_url,
    }
    log = tmp_path / "bot.log"
    args = ["--notes-dir", str(notes), "--database-url", database_url, "--config", str(config),
            "--http", "127.0.0.1:0", "--ingest-every", "0.1", "-v"]  # fmt: skip
    process = await _start(args, env, log)
    service = Service(standin, guild, channel, log)
    try:
        await service.logged("start-up ingest of")
        await standin.wait_for(lambda: standin.sessions, 90)
        refused = await _menu_command(standin, channel, ANA, 0)
        assert "Only workspace admins" in refused and not standin.channel_posts(channel)

        posted = await _menu_command(standin, channel, ADMIN, MANAGE_GUILD)
        assert "Tag menu posted with 2 tags." in posted
        (menu,) = standin.channel_posts(channel)
        shown = texts(menu)
        assert "Follow a tag" in shown and shown.index("1️⃣  #rl") < shown.index("2️⃣  #reasoning")
        await standin.wait_for(lambda: len(standin.reactions) == 2, 60)
        assert standin.reactions == [(channel, menu["id"], "1️⃣"), (channel, menu["id"], "2️⃣")]

        await _react(service, BOT_ID, menu, "1️⃣")  # the bot's own: ignored
        await _react(service, ANA, menu, "2️⃣")
        (confirmed,) = await standin.wait_for(lambda: standin.dm_posts(ANA), 60)
        assert "Now following tag:reasoning" in texts(confirmed)
        await _react(service, ANA, menu, "2️⃣", added=False)
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
    finally:
        if process.returncode is None:
            process.terminate()
        async with asyncio.timeout(30):
            await process.wait()
    assert process.returncode == 0, log.read_text()[-3000:]
    assert len(standin.dm_posts(ANA)) == 2  # one confirmation each way
    assert standin.problems == []


async def _reconciled(log: Path) -> str:
    """The start's reconcile pass has run: its log line."""
    async with asyncio.timeout(90):
        while "discord reconcile:" not in log.read_text():  # noqa: ASYNC110 (another process)
            await asyncio.sleep(0.1)
    return next(line for line in log.read_text().splitlines() if "discord reconcile:" in line)


def _said(standin: DiscordStandIn, user: str) -> list[str]:
    return [texts(m) for m in standin.dm_posts(user)]


async def test_numbers_changed_on_the_menu_while_stopped_take_effect_at_the_next_start(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, FIRST)
    (tmp_path / "paperbot.toml").write_text("", encoding="utf-8")  # the menu's channel only
    channel = setup.channel
    first = tmp_path / "first.log"
    async with serving(setup, first):
        service = Service(standin, setup.guild, channel, first)
        await service.logged("start-up ingest of")
        await standin.wait_for(lambda: standin.sessions, 90)
        await _menu_command(standin, channel, ADMIN, MANAGE_GUILD)
        (menu,) = standin.channel_posts(channel)
        await standin.wait_for(lambda: len(standin.reactions) == 2, 60)
        standin.react(menu["id"], "1️⃣", BEA)  # Bea follows #rl while paperbot runs
        await _react(service, BEA, menu, "1️⃣")
        await standin.wait_for(lambda: standin.dm_posts(BEA), 60)
        assert "tag:rl" in await service.paper(BEA, "subscriptions")

    standin.react(menu["id"], "2️⃣", ANA)  # while paperbot is stopped: no gateway events
    standin.react(menu["id"], "1️⃣", BEA, added=False)
    second = tmp_path / "second.log"
    async with serving(setup, second):
        service = Service(standin, setup.guild, channel, second)
        assert "1 reactions added and 1 removed" in await _reconciled(second)
        await standin.wait_for(lambda: standin.dm_posts(ANA) and standin.dm_posts(BEA)[1:], 60)
        (followed,) = _said(standin, ANA)
        assert "Now following tag:reasoning" in followed
        assert "No longer following tag:rl" in _said(standin, BEA)[1]
        assert "tag:reasoning" in await service.paper(ANA, "subscriptions")
        assert "You follow nothing." in await service.paper(BEA, "subscriptions")

    third = tmp_path / "third.log"
    async with serving(setup, third):
        service = Service(standin, setup.guild, channel, third)
        assert "0 reactions added and 0 removed" in await _reconciled(third)
        assert "tag:reasoning" in await service.paper(ANA, "subscriptions")
    assert len(standin.dm_posts(ANA)) == 1 and len(standin.dm_posts(BEA)) == 2  # never again
    assert len(standin.channel_posts(channel)) == 1
    assert standin.problems == []
