"""A burst of reactions gets one private confirmation per person, saying the net effect and what
is followed afterwards; a follow undone within the window sends nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.commands.reactions import ReactionHandler
from bot.digest.personal import Person
from bot.models import Destination, Platform, Reaction
from bot.replies import MessageView, Reply
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.confirmations import ConfirmationBundler
from bot.subscriptions.parts import PartNotes
from bot.subscriptions.service import SubscriptionService
from formatters.i18n import catalogue
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

D1 = date(2024, 9, 18)


class Window:
    """The bundler's sleep: each window stays open until the test closes it."""

    def __init__(self) -> None:
        self.open: list[asyncio.Future[None]] = []

    async def __call__(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.open.append(future)
        await future

    def close_all(self) -> None:
        for future in self.open:
            if not future.done():
                future.set_result(None)


async def test_a_burst_of_reactions_is_confirmed_once(app: App, clock: FixedClock) -> None:
    notes = [note(D1, "a", "rl"), note(D1, "b", "scaling"), note(D1, "c", "vision")]
    await put_day(app, D1, notes)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(), "slot:1")
    sent: list[tuple[Person, Reply]] = []

    async def send(person: Person, reply: Reply) -> None:
        sent.append((person, reply))

    window = Window()
    bundler = ConfirmationBundler(send, sleep=window)
    handler = ReactionHandler(
        delivery.ledger,
        PrometheusMetrics(),
        subscriptions=SubscriptionService(SqlSubscriptionStore(app.engine), clock),
        papers=PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer),
        confirmations=bundler,
    )
    a, b, c = (transport.sent[n].ref for n in (1, 2, 3))
    for ref, added in ((a, True), (b, True), (c, True), (c, False), (a, True)):
        result = await handler.handle(Reaction(ref, user="U1", emoji="🔔", added=added))
        assert result.confirmation is None  # the bundler sends it
    await handler.handle(Reaction(a, user="U2", emoji="🔔"))
    await asyncio.sleep(0)
    assert sent == [] and len(window.open) == 2  # one window per person
    window.close_all()
    await bundler.drain()
    said = {
        p.user: catalogue().message("en", r.view)
        for p, r in sent
        if isinstance(r.view, MessageView)
    }
    assert said["U1"] == (
        "🔔 Now following tag:rl, tag:scaling. Remove your reaction to stop.\n"
        "You follow: tag:rl, tag:scaling.\n"
        "New matching notes come by DM every day at 09:00 (Asia/Seoul)."
    )
    assert said["U2"].startswith("🔔 Now following tag:rl.")

    await handler.handle(Reaction(c, user="U1", emoji="🔔"))
    await handler.handle(Reaction(c, user="U1", emoji="🔔", added=False))
    await asyncio.sleep(0)
    window.close_all()
    await bundler.drain()
    assert len(sent) == 2  # followed and unfollowed within one window: nothing to say


async def test_what_is_followed_afterwards_is_read_when_the_window_closes(
    app: App, clock: FixedClock
) -> None:
    """Reactions are applied side by side: the change merged last can be one that read the
    person's subscriptions before another reaction wrote its own. The confirmation still says
    everything followed after the burst (read at the close), not that stale list."""
    service = SubscriptionService(SqlSubscriptionStore(app.engine), clock)
    person = Person(Platform.SLACK, "T1", "U1")
    home = Destination(Platform.SLACK, "T1", "C1")
    sent: list[Reply] = []

    async def send(_: Person, reply: Reply) -> None:
        sent.append(reply)

    window = Window()
    bundler = ConfirmationBundler(send, sleep=window, standing=service.standing)
    first = await service.follow_tags(person, ["rl"], "reaction:a", home)
    second = await service.follow_tags(person, ["scaling"], "reaction:b", home)
    assert first.following == ("tag:rl",)  # what the first one read, before the second wrote
    bundler.add(person, second, "en")
    bundler.add(person, first, "en")  # the first one's handling finished last
    await asyncio.sleep(0)
    window.close_all()
    await bundler.drain()
    (reply,) = sent
    assert isinstance(reply.view, MessageView)
    said = catalogue().message("en", reply.view)
    assert "Now following tag:scaling, tag:rl." in said, said
    assert "You follow: tag:rl, tag:scaling." in said, said
