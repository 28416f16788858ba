"""The reconcile pass, platform-neutral, on SQLite and PostgreSQL: a 🔔 added while the bot was
away follows the paper's tags, one removed takes back what it added, a reaction an event already
applied changes nothing and is confirmed to nobody, the bot's own reactions are left out, a
person who unsubscribed by command, or asked to be forgotten, is not subscribed again by the 🔔
still on the message (an opaque mark, which names nobody, stands for it), only recent paper
messages are read, people's DM digests' included, and a message the platform posted in another
channel than its digest's (a Discord forum's post) is read there."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.commands.reactions import ReactionHandler
from bot.delivery.config import ID_CHARS
from bot.delivery.service import Delivery
from bot.digest.personal import Person
from bot.models import Destination, Layout, MessageRef, Platform, Reaction
from bot.store.reaction_marks import SqlReactionMarks, opaque_user
from bot.store.subscription_schema import ReactionMarkRow
from bot.store.subscriptions import SqlSubscriptionStore, person_rows
from bot.subscriptions.paper_messages import PaperMessages
from bot.subscriptions.parts import PartNotes
from bot.subscriptions.reconcile import Reactable, Reconciler, ReconcileRunner
from bot.subscriptions.service import SubscriptionService
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

D1 = date(2024, 9, 18)
REACTIONS = "paperbot_reactions_total"
ANN = Person(Platform.CONSOLE, "T1", "U1")
BOB = Person(Platform.CONSOLE, "T1", "U2")
CHANNEL = dest()
HOME = Destination(Platform.CONSOLE, "T1", "C1")


class Reader:
    """The port as a platform would answer it: reactions per message, every read recorded."""

    def __init__(self) -> None:
        self.now: dict[MessageRef, dict[str, set[str]]] = {}
        self.read: list[Reactable] = []
        self.gone: set[MessageRef] = set()
        self.hold: asyncio.Event | None = None  # set: each read waits for it (a slow platform)
        self.reading = asyncio.Event()
        self.while_read: Callable[[], Awaitable[None]] | None = None
        """What happens while the platform answers (an event coming in), once."""

    def react(self, ref: MessageRef, user: str, emoji: str = "🔔") -> None:
        self.now.setdefault(ref, {}).setdefault(emoji, set()).add(user)

    def unreact(self, ref: MessageRef, user: str, emoji: str = "🔔") -> None:
        self.now[ref][emoji].discard(user)

    async def reactions(self, message: Reactable) -> Mapping[str, frozenset[str]] | None:
        self.read.append(message)
        self.reading.set()
        if self.while_read is not None:
            happening, self.while_read = self.while_read, None
            await happening()
        if self.hold is not None:
            try:
                await self.hold.wait()
            finally:  # cancelled: a read in flight takes a moment to give up
                await asyncio.sleep(0)
        if message.ref in self.gone:
            return None
        found = self.now.get(message.ref, {})
        return {e: frozenset(users) for e, users in found.items() if e in message.emoji}


class World:
    """A posted digest (a header and two papers), the handler and the reconciler over it."""

    def __init__(self, app: App, delivery: Delivery, transport: RecordingTransport) -> None:
        self.app, self.transport, self.delivery = app, transport, delivery
        self.store = SqlSubscriptionStore(app.engine)
        self.service = SubscriptionService(self.store, app.clock)
        papers = PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer)
        self.marks = SqlReactionMarks(app.engine)
        self.metrics = PrometheusMetrics()
        self.handler = ReactionHandler(
            delivery.ledger,
            self.metrics,
            subscriptions=self.service,
            papers=papers,
            marks=self.marks,
        )
        source = PaperMessages(app.engine, papers, ["🔔", "bell"])
        self.reconciler = Reconciler(
            self.marks, [source], app.clock, days=14, ignored=self.handler.ignores
        )
        self.reader = Reader()
        self.confirmed: list[tuple[str, str]] = []

    @property
    def header(self) -> MessageRef:
        return self.transport.sent[0].ref

    @property
    def paper_a(self) -> MessageRef:
        return self.transport.sent[1].ref

    @property
    def paper_b(self) -> MessageRef:
        return self.transport.sent[2].ref

    async def apply(self, reaction: Reaction) -> None:
        """The platform's entry point: apply, and confirm what changed."""
        result = await self.handler.handle(reaction)
        if result.confirmation is not None:
            self.confirmed.append((reaction.user, reaction.message.message_id))

    async def reconcile(self) -> tuple[int, int]:
        report = await self.reconciler.run(Platform.CONSOLE, self.reader, self.apply)
        return report.added, report.removed

    async def following(self, person: Person = ANN) -> list[str]:
        return [s.text for s in await self.service.following(person)]


async def _world(app: App, clock: FixedClock) -> World:
    await put_day(app, D1, [note(D1, "a", "rl", "reasoning"), note(D1, "b", "scaling", "rl")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(CHANNEL, "slot:1")
    return World(app, delivery, transport)


async def test_a_bell_added_while_away_follows_and_one_removed_takes_back_only_its_own(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    await world.service.subscribe(ANN, "tag:rl", HOME)
    world.reader.react(world.paper_b, "U1")
    world.reader.react(world.paper_a, "U2")
    world.reader.react(world.paper_a, "U2", "👍")  # another emoji: nothing

    assert await world.reconcile() == (2, 0)
    assert await world.following() == ["tag:rl", "tag:scaling"]
    assert await world.following(BOB) == ["tag:rl", "tag:reasoning"]
    assert sorted(world.confirmed) == [
        ("U1", world.paper_b.message_id),
        ("U2", world.paper_a.message_id),
    ]

    assert await world.reconcile() == (0, 0)  # nothing new: nothing applied, nobody told
    assert len(world.confirmed) == 2

    world.reader.unreact(world.paper_b, "U1")
    assert await world.reconcile() == (0, 1)
    assert await world.following() == ["tag:rl"]  # the command's subscription stays
    assert len(world.confirmed) == 3


async def test_what_an_event_already_did_is_neither_applied_again_nor_confirmed_twice(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    await world.apply(Reaction(world.paper_a, "U1", "🔔"))  # the event, before the pass
    world.reader.react(world.paper_a, "U1")
    assert await world.reconcile() == (0, 0)
    assert world.confirmed == [("U1", world.paper_a.message_id)]

    await world.apply(Reaction(world.paper_a, "U1", "🔔", added=False))  # the removal event
    world.reader.unreact(world.paper_a, "U1")
    assert await world.reconcile() == (0, 0)
    assert await world.following() == []
    assert len(world.confirmed) == 2


async def test_an_event_applied_while_the_platform_is_read_is_not_applied_again(
    app: App, clock: FixedClock
) -> None:
    """The pass read the marks before Ana's 🔔 came, the platform after it was applied."""
    world = await _world(app, clock)
    world.reader.react(world.paper_a, "U1")

    async def the_event() -> None:
        await world.apply(Reaction(world.paper_a, "U1", "🔔"))

    world.reader.while_read = the_event
    assert await world.reconcile() == (0, 0)  # nothing found while away
    assert world.confirmed == [("U1", world.paper_a.message_id)]  # the event's, once
    assert world.metrics.sample(REACTIONS, platform="console", outcome="recorded") == 1
    assert await world.following() == ["tag:rl", "tag:reasoning"]


async def test_an_unsubscribe_by_command_is_not_undone_by_the_bell_left_on_the_message(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    world.reader.react(world.paper_a, "U1")
    await world.reconcile()
    await world.service.unsubscribe(ANN, "tag:rl tag:reasoning")
    assert await world.reconcile() == (0, 0)
    assert await world.following() == []


async def test_only_recent_paper_messages_are_read_and_an_unreadable_one_changes_nothing(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    world.reader.react(world.paper_a, "U1")
    await world.reconcile()
    assert [m.ref for m in world.reader.read] == [world.paper_a, world.paper_b]  # no header
    assert {m.thread_of for m in world.reader.read} == {world.header}
    assert all(m.emoji == {"🔔", "bell"} for m in world.reader.read)

    world.reader.gone.add(world.paper_a)  # deleted while away: its 🔔 is not taken back
    assert await world.reconcile() == (0, 0)
    assert await world.following() == ["tag:rl", "tag:reasoning"]

    world.reader.read.clear()
    clock.advance(timedelta(days=15))  # older than reconcile_days
    assert await world.reconcile() == (0, 0)
    assert world.reader.read == []


async def _left(app: App, person: Person) -> tuple[list[str], int]:
    """Every mark's user, and how many rows of `person` the tables `forget` clears hold."""
    async with app.engine.connect() as conn:
        users = sorted(await conn.scalars(select(ReactionMarkRow.user_id)))
        theirs = 0
        for table, where in person_rows(person):
            query = select(func.count()).select_from(table).where(where)
            theirs += int((await conn.execute(query)).scalar_one())
    return users, theirs


async def test_unsubscribe_all_leaves_an_opaque_mark_so_the_bell_left_does_not_follow_again(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    world.reader.react(world.paper_a, "U1")
    world.reader.react(world.paper_a, "U2")
    await world.reconcile()
    await world.service.unsubscribe_all(ANN)
    hidden = opaque_user(Platform.CONSOLE, "T1", "U1")
    assert hidden.startswith("~") and "U1" not in hidden and len(hidden) <= 100
    assert await _left(app, ANN) == (["U2", hidden], 0)  # no row names U1
    assert await world.marks.on(world.paper_a) == {"🔔": frozenset({"U2", hidden})}

    assert await world.reconcile() == (0, 0)  # U1's bell is still there: not new
    await world.apply(Reaction(world.paper_a, "U1", "🔔"))  # and replayed: not new either
    assert await world.following() == []
    assert len(world.confirmed) == 2  # U1's and U2's first bells only

    world.reader.unreact(world.paper_a, "U1")  # taken off while away
    assert await world.reconcile() == (0, 0)  # the opaque mark unsubscribes nobody ...
    assert await world.following(BOB) == ["tag:rl", "tag:reasoning"]
    assert await world.marks.on(world.paper_a) == {"🔔": frozenset({"U2"})}  # ... and goes
    world.reader.react(world.paper_a, "U1")  # a new bell follows as usual
    assert await world.reconcile() == (1, 0)
    assert await world.following() == ["tag:rl", "tag:reasoning"]


async def test_a_forgotten_persons_bell_removed_by_event_then_added_again_follows(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    await world.apply(Reaction(world.paper_a, "U1", "🔔"))
    await world.service.unsubscribe_all(ANN)
    await world.apply(Reaction(world.paper_a, "U1", "🔔", added=False))
    assert await world.marks.on(world.paper_a) == {}
    await world.apply(Reaction(world.paper_a, "U1", "🔔"))
    assert await world.following() == ["tag:rl", "tag:reasoning"]
    assert len(world.confirmed) == 2


async def test_opaque_marks_go_once_older_than_the_messages_the_pass_reads(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    world.reader.react(world.paper_a, "U1")
    world.reader.react(world.paper_a, "U2")
    await world.reconcile()
    await world.service.unsubscribe_all(ANN)
    hidden = opaque_user(Platform.CONSOLE, "T1", "U1")
    clock.advance(timedelta(days=13))
    await world.reconcile()
    assert (await _left(app, ANN))[0] == ["U2", hidden]
    clock.advance(timedelta(days=2))  # the bell is 15 days old, the window 14
    await world.reconcile()
    assert (await _left(app, ANN))[0] == ["U2"]  # a person's own mark is not aged out


async def test_the_runner_runs_one_pass_at_a_time_and_one_more_for_a_request_meanwhile(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    runner = ReconcileRunner(world.reconciler, Platform.CONSOLE, world.reader, world.apply)
    runner.trigger("start")
    runner.trigger("reconnect")
    runner.trigger("reconnect")
    await runner.idle()
    assert runner.passes == 2
    assert len(world.reader.read) == 4  # two messages, twice


async def test_stopping_the_runner_ends_the_pass_and_passes_a_cancel_of_the_caller_on(
    app: App, clock: FixedClock
) -> None:
    """The platform's stop is cut off by the shutdown bound while it waits for the pass: the
    cut goes through (the stop does not carry on as if it had not been cancelled)."""
    world = await _world(app, clock)
    world.reader.hold = asyncio.Event()
    runner = ReconcileRunner(world.reconciler, Platform.CONSOLE, world.reader, world.apply)
    runner.trigger("start")
    async with asyncio.timeout(10):
        await world.reader.reading.wait()
    after: list[str] = []

    async def platform_stop() -> None:
        await runner.stop()
        after.append("went on")  # would close the rest without the bound

    stopping = asyncio.create_task(platform_stop())
    await asyncio.sleep(0)  # the stop waits for the pass to end
    stopping.cancel()
    done, _ = await asyncio.wait({stopping}, timeout=10)
    assert done and stopping.cancelled() and after == []
    await runner.idle()  # the pass ended too (cancelled), and a stop now is a no-op
    await runner.stop()
    assert runner.passes == 0


async def test_the_users_the_handler_ignores_are_neither_applied_nor_counted(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    world.handler.ignore_user(Platform.CONSOLE, "UBOT")  # the bot's own user
    world.reader.react(world.paper_a, "UBOT")
    world.reader.react(world.paper_a, "U1")
    assert await world.reconcile() == (1, 0)
    assert await world.reconcile() == (0, 0)  # not found again at every pass
    assert world.confirmed == [("U1", world.paper_a.message_id)]


async def test_a_dm_digests_papers_are_read_as_the_ledger_keeps_them_and_outside_any_thread(
    app: App, clock: FixedClock
) -> None:
    world = await _world(app, clock)
    await world.delivery.runner.run(dest("@U1"), "dm:slot:2024-09-18T09:00")
    dm_header, dm_a, dm_b = (s.ref for s in world.transport.sent[3:6])
    assert dm_a.channel == "@U1" and dm_a.workspace == "T1"
    world.reader.react(dm_b, "U1")  # on the DM's second paper, while away

    assert await world.reconcile() == (1, 0)
    assert await world.following() == ["tag:scaling", "tag:rl"]
    read = [m for m in world.reader.read if m.ref.channel == "@U1"]
    assert [m.ref for m in read] == [dm_a, dm_b]  # never its header
    assert {m.thread_of for m in read} == {None}  # a DM's parts are read by their own ids
    assert world.confirmed == [("U1", dm_b.message_id)]
    assert dm_header not in {m.ref for m in read}


class IntoAPost(RecordingTransport):
    """A platform that puts every message into a post `P1` of the destination's channel (a
    Discord forum's inline digest: the post made last there)."""

    async def post(self, destination: Destination, payload: Any, **where: Any) -> MessageRef:
        return replace(await super().post(destination, payload, **where), channel="P1")


async def test_a_message_posted_in_another_channel_is_read_there_under_its_digests_channel(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, D1, [note(D1, "a", "rl", "reasoning"), note(D1, "b", "scaling", "rl")])
    transport = IntoAPost()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(layout=Layout.INLINE), "slot:1")
    world = World(app, delivery, transport)
    paper = transport.sent[-1].ref  # the last inline message, showing paper b
    assert paper.channel == "C1"  # as the ledger keeps it, and reaction events name it
    world.reader.react(paper, "U1")

    assert await world.reconcile() == (1, 0)
    assert await world.following() == ["tag:scaling", "tag:rl"]
    read = world.reader.read
    assert paper in {m.ref for m in read}
    assert all(m.thread_of == replace(m.ref, message_id="P1") for m in read)  # inside the post


async def test_the_longest_emoji_the_config_allows_is_marked_on_both_engines(
    app: App, clock: FixedClock
) -> None:
    """`[subscriptions] emoji` entries are what `reaction_marks.emoji` records: the config
    check stops at its 100 characters (PostgreSQL refused a 101st, SQLite stored it)."""
    marks = SqlReactionMarks(app.engine)
    ref = MessageRef(Platform.SLACK, "T1", "C1", "1.0")
    await marks.mark(ref, "U1", "e" * ID_CHARS, clock.now())
    assert await marks.on(ref) == {"e" * ID_CHARS: frozenset({"U1"})}
