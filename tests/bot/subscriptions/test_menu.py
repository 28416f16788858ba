"""The tag menu on the terminal channel, wired as `paperbot run` wires it (the real console
channel and transport, command core, reaction handler and stores): an admin's `/paper tags menu`
posts the most used tags with numbers and stores them; `:react 2️⃣ menu` follows number 2's tag
with one confirmation, `:unreact` takes back exactly that; a non-admin is refused; after the
most used tags change the menu is edited in place, a tag that stays keeps its number, and a
subscription made through a number stays on the tag it followed. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from datetime import date, timedelta

from adapters.console import ConsoleChannel, ConsoleTransport
from adapters.http.prometheus import PrometheusMetrics
from bot.app import App, paper_command, terminal_handler
from bot.cli_run import TERMINAL, delivery_config
from bot.cli_subscriptions import Subscriptions, wire_subscriptions
from bot.commands.request import CommandRequest
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.service import build_delivery
from bot.digest.personal import Person
from bot.ingest.importer import IngestReport
from bot.models import MessageRef, Platform, Reaction
from bot.scheduling.runtime import DigestService
from bot.store.menus import SqlMenuStore
from bot.subscriptions.menu import menu_emoji, menu_number, menu_origin, menu_tag, renumber
from formatters.console_text import ConsoleRenderer
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day
from tests.support.sleep import VirtualSleep

D1, D2 = date(2024, 9, 18), date(2024, 9, 19)
ME = Person(Platform.CONSOLE, "local", "me")


class Terminal:
    """The prompt of `paperbot run` and what it printed."""

    def __init__(self, app: App) -> None:
        self.out = io.StringIO()
        self.paper = paper_command(app)
        handler = terminal_handler(self.paper, TERMINAL, "me", "en")
        self.channel = ConsoleChannel(ConsoleRenderer(), handler=handler, out=self.out, locale="en")
        route = Route(ConsoleRenderer(), ConsoleTransport(self.channel))
        config = delivery_config(None)
        delivery = build_delivery(
            app.engine,
            routes={Platform.CONSOLE: route},
            clock=app.clock,
            config=config,
            pacer=Pacer(app.clock, VirtualSleep(app.clock), unpaced=frozenset({Platform.CONSOLE})),
            notes=app.notes,
        )
        self.metrics = PrometheusMetrics()
        self.subs: Subscriptions = wire_subscriptions(
            app, delivery, self.paper, self.metrics, DigestService(delivery)
        )
        self.subs.serve_terminal(self.channel, "me")

    async def type(self, *lines: str) -> str:
        start = len(self.out.getvalue())
        for line in lines:
            await self.channel.answer(line)
        return self.out.getvalue()[start:]

    async def following(self) -> list[str]:
        return [s.text for s in await self.subs.service.following(ME)]


async def _corpus(app: App) -> None:
    """rl on 3 notes, reasoning on 2, vision on 1: the menu's order."""
    await put_day(app, D1, [note(D1, "a", "rl", "reasoning"), note(D1, "b", "rl", "vision"),
                            note(D1, "c", "rl", "reasoning", position=2)])  # fmt: skip


async def test_an_admin_posts_the_menu_and_a_number_follows_its_tag_both_ways(app: App) -> None:
    await _corpus(app)
    terminal = Terminal(app)
    shown = await terminal.type("/paper tags menu")
    assert "Follow a tag" in shown and "Tag menu posted with 3 tags." in shown
    assert shown.index("1️⃣  #rl") < shown.index("2️⃣  #reasoning") < shown.index("3️⃣  #vision")
    (menu,) = await SqlMenuStore(app.engine).all()
    assert dict(menu.items) == {1: "rl", 2: "reasoning", 3: "vision"}
    assert menu.ref.platform is Platform.CONSOLE and menu.ref.channel == "terminal"

    said = await terminal.type(":react 2️⃣ menu")
    assert said.count("Now following tag:reasoning.") == 1
    assert await terminal.following() == ["tag:reasoning"]
    assert "Nothing changed" in await terminal.type(":react 2️⃣ menu")  # a repeat: no-op
    assert "No longer following tag:reasoning." in await terminal.type(":unreact 2️⃣ menu")
    assert await terminal.following() == []
    shown = await terminal.type(":react 2 menu")  # a bare digit is no keycap
    assert "Nothing changed" in shown and await terminal.following() == []
    menu_reactions = {"outcome": "menu", "platform": "console"}
    assert terminal.metrics.sample("paperbot_reactions_total", **menu_reactions) == 4


async def test_a_number_taken_back_removes_only_what_it_added(app: App) -> None:
    await _corpus(app)
    terminal = Terminal(app)
    await terminal.type("/paper subscribe tag:rl", "/paper tags menu", ":react 1️⃣ menu")
    await terminal.type(":react 3️⃣ menu", ":unreact 1️⃣ menu")
    assert await terminal.following() == ["tag:rl", "tag:vision"]  # rl stays: typed before


async def test_a_non_admin_is_refused_and_nothing_is_posted(app: App) -> None:
    await _corpus(app)
    terminal = Terminal(app)
    asked = CommandRequest(Platform.SLACK, "T1", "C1", "U2", "tags menu", "en")
    reply = await terminal.paper.handle(asked)
    assert type(reply.view).__name__ == "ErrorView"
    assert reply.view.message.key == "channel.not_admin"  # type: ignore[union-attr]
    assert await SqlMenuStore(app.engine).all() == []
    listed = await terminal.paper.handle(CommandRequest(Platform.SLACK, "T1", "C1", "U2", "tags"))
    assert type(listed.view).__name__ == "TagListView"  # `tags` alone still lists them


async def test_the_menu_is_edited_when_the_top_tags_change_and_keeps_what_people_chose(
    app: App, clock: FixedClock
) -> None:
    await _corpus(app)
    terminal = Terminal(app)
    await terminal.type("/paper tags menu", ":react 3️⃣ menu")  # vision
    assert await terminal.subs.menus.refresh() == 0  # nothing changed: no edit
    extra = [note(D2, f"d{i}", "dpo", "alignment", position=i) for i in range(2)]
    await put_day(app, D2, extra)
    clock.advance(timedelta(minutes=5))
    before = len(terminal.out.getvalue())
    await terminal.subs.refresh_menus()
    edited = terminal.out.getvalue()[before:]
    (menu,) = await SqlMenuStore(app.engine).all()
    assert dict(menu.items) == {1: "rl", 2: "reasoning", 3: "vision", 4: "alignment", 5: "dpo"}
    assert "✏️" in edited and "5️⃣  #dpo" in edited
    await terminal.type(":react 5️⃣ menu")
    assert await terminal.following() == ["tag:vision", "tag:dpo"]


async def test_a_number_whose_tag_moved_keeps_the_subscription_on_the_chosen_tag(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, D1, [note(D1, "a", "rl", "vision"), note(D1, "b", "rl", position=1)])
    terminal = Terminal(app)
    await terminal.subs.menus.refresh()
    menus = terminal.subs.menus
    menus._size = 2  # a two-number menu: the test's tags fill it
    await terminal.type("/paper tags menu", ":react 2️⃣ menu")
    assert await terminal.following() == ["tag:vision"]
    more = [note(D2, f"n{i}", "dpo", position=i) for i in range(3)]
    await put_day(app, D2, more)  # dpo (3) now outnumbers vision (1): number 2 shows dpo
    assert await menus.refresh() == 1
    (menu,) = await SqlMenuStore(app.engine).all()
    assert dict(menu.items) == {1: "rl", 2: "dpo"}
    assert await terminal.following() == ["tag:vision"]  # what they chose stays
    assert "No longer following tag:vision." in await terminal.type(":unreact 2️⃣ menu")
    assert "Now following tag:dpo." in await terminal.type(":react 2️⃣ menu")


async def test_a_reaction_maps_to_its_tag_after_a_restart(app: App) -> None:
    await _corpus(app)
    await Terminal(app).type("/paper tags menu")
    (menu,) = await SqlMenuStore(app.engine).all()
    restarted = Terminal(app)  # a new process: nothing in memory
    result = await restarted.subs.reactions.handle(Reaction(menu.ref, "me", "2⃣"))
    assert result.change is not None and result.change.added == ("tag:reasoning",)
    other = MessageRef(Platform.CONSOLE, "local", "terminal", "not-a-menu")
    ignored = await restarted.subs.reactions.handle(Reaction(other, "me", "2️⃣"))
    assert ignored.change is None and ignored.outcome.value == "ignored"
    restarted.subs.reactions.ignore_user(Platform.CONSOLE, "bot")
    own = await restarted.subs.reactions.handle(Reaction(menu.ref, "bot", "3️⃣"))
    assert own.change is None and own.outcome.value == "ignored"


async def test_the_store_keeps_one_menu_per_message_and_lists_recent_ones(
    app: App, clock: FixedClock
) -> None:
    store = SqlMenuStore(app.engine)
    ref = MessageRef(Platform.SLACK, "T1", "C1", "1700000001.000001")
    first = await store.add(ref, "en", {1: "rl", 2: "dpo"}, now=clock.now())
    again = await store.add(ref, "ko", {1: "other"}, now=clock.now())  # a replayed store
    assert again.id == first.id and dict(again.items) == {1: "rl", 2: "dpo"}
    later = clock.now() + timedelta(days=20)
    newer_ref = MessageRef(Platform.DISCORD, "G1", "C2", "99")
    await store.add(newer_ref, "ko", {1: "rl"}, now=later)
    assert [m.ref for m in await store.recent_menus(later - timedelta(days=14))] == [newer_ref]
    await store.replace_items(first.id, {1: "rl", 3: "vision"}, now=later)
    found = await store.find(ref)
    assert found is not None and dict(found.items) == {1: "rl", 3: "vision"}
    assert menu_tag(found, "three") == "vision" and menu_tag(found, "two") is None
    await store.forget(first.id)
    assert await store.find(ref) is None and len(await store.all()) == 1


def test_numbers_emoji_and_origins() -> None:
    assert [menu_number(e) for e in ("1️⃣", "1⃣", "one", "🔟", "keycap_ten", "🔔", "3")] == [
        1, 1, 1, 10, 10, None, None,
    ]  # fmt: skip
    assert menu_emoji(3, Platform.SLACK) == "three" and menu_emoji(3, Platform.DISCORD) == "3️⃣"
    ref = MessageRef(Platform.SLACK, "T1", "C1", "1.2")
    assert menu_origin(ref, 4) == "menu:slack:T1:C1:1.2:4"


def test_renumbering_keeps_the_numbers_of_tags_that_stay() -> None:
    assert renumber({}, ["a", "b", "c"], 2) == {1: "a", 2: "b"}
    assert renumber({1: "a", 2: "b"}, ["c", "b", "d"], 2) == {1: "c", 2: "b"}
    assert renumber({1: "a", 2: "b", 3: "c"}, ["c"], 3) == {3: "c"}  # gone tags leave no number
    assert renumber({1: "a", 2: "b"}, ["b", "a"], 2) == {1: "a", 2: "b"}  # order alone: no change


async def test_only_the_leader_edits_menus_after_an_ingest(app: App) -> None:
    await _corpus(app)
    terminal = Terminal(app)
    await terminal.type("/paper tags menu")
    await put_day(app, D2, [note(D2, "d", "dpo")])
    await terminal.subs.after_ingest(IngestReport())  # a follower: another process edits
    (menu,) = await SqlMenuStore(app.engine).all()
    assert "dpo" not in menu.items.values()
    await terminal.subs.scheduler.activate()  # elected: the jobs, then the menus catch up
    await terminal.subs.lead_menus()
    await asyncio.gather(*terminal.subs._tasks)
    (menu,) = await SqlMenuStore(app.engine).all()
    assert menu.items[4] == "dpo"
    terminal.subs.scheduler.deactivate()
