"""A 🔔 on a paper message the bot posted follows that paper's tags; removing it takes back
exactly what it added; headers, other messages, other emoji and the bot itself change nothing;
a repeated event changes nothing and is not confirmed twice. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.commands.reactions import ReactionHandler, ReactionOutcome
from bot.delivery.service import Delivery
from bot.digest.personal import Person
from bot.models import Destination, MessageRef, Platform, Reaction
from bot.replies import MessageView, Reply
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.parts import PartNotes
from bot.subscriptions.service import SubscriptionService
from formatters.i18n import catalogue
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

D1 = date(2024, 9, 18)
ANN = Person(Platform.CONSOLE, "T1", "U1")
CHANNEL = dest(timezone="Europe/Berlin")


async def _posted(app: App, clock: FixedClock) -> tuple[Delivery, RecordingTransport]:
    notes = [note(D1, "a", "rl", "reasoning"), note(D1, "b", "scaling", "rl")]
    await put_day(app, D1, notes)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(CHANNEL, "slot:1")
    return delivery, transport


def _handler(app: App, delivery: Delivery) -> tuple[ReactionHandler, SubscriptionService]:
    service = SubscriptionService(SqlSubscriptionStore(app.engine), app.clock)

    async def destination_of(key: str) -> Destination | None:  # the catalog's view
        return CHANNEL.destination if key == CHANNEL.key else None

    papers = PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer)
    handler = ReactionHandler(
        delivery.ledger,
        PrometheusMetrics(),
        subscriptions=service,
        papers=papers,
        destination_of=destination_of,
    )
    return handler, service


def _said(reply: Reply | None) -> str:
    assert reply is not None and reply.ephemeral and isinstance(reply.view, MessageView)
    return catalogue().message("en", reply.view)


async def _following(service: SubscriptionService) -> list[str]:
    return [s.text for s in await service.following(ANN)]


async def test_a_bell_on_a_paper_follows_its_tags_and_removing_it_undoes_only_that(
    app: App, clock: FixedClock
) -> None:
    delivery, transport = await _posted(app, clock)
    handler, service = _handler(app, delivery)
    second = transport.sent[2].ref  # paper b's own reply
    await service.subscribe(ANN, "tag:rl", Destination(Platform.CONSOLE, "T1", "C1"))

    added = await handler.handle(Reaction(second, user="U1", emoji="🔔"))
    assert added.outcome is ReactionOutcome.RECORDED
    assert added.change is not None and added.change.added == ("tag:scaling",)
    assert _said(added.confirmation) == (
        "🔔 Now following tag:scaling. Remove your reaction to stop.\n"
        "You follow: tag:rl, tag:scaling.\n"
        "New matching notes come by DM every day at 09:00 (Asia/Seoul)."  # set by the command
    )
    repeated = await handler.handle(Reaction(second, user="U1", emoji="🔔"))
    assert repeated.confirmation is None and await _following(service) == ["tag:rl", "tag:scaling"]

    removed = await handler.handle(Reaction(second, user="U1", emoji="🔔", added=False))
    assert _said(removed.confirmation).startswith("🔕 No longer following tag:scaling.")
    assert await _following(service) == ["tag:rl"]  # it had tag:rl before the 🔔
    again = await handler.handle(Reaction(second, user="U1", emoji="🔔", added=False))
    assert again.confirmation is None and await _following(service) == ["tag:rl"]


async def test_the_plan_takes_the_zone_of_the_channel_reacted_in(
    app: App, clock: FixedClock
) -> None:
    delivery, transport = await _posted(app, clock)
    handler, _ = _handler(app, delivery)
    result = await handler.handle(Reaction(transport.sent[1].ref, user="U1", emoji="bell"))
    assert _said(result.confirmation).endswith("every day at 09:00 (Europe/Berlin).")
    assert result.change is not None and result.change.added == ("tag:rl", "tag:reasoning")


async def test_headers_other_messages_other_emoji_and_the_bot_change_nothing(
    app: App, clock: FixedClock
) -> None:
    delivery, transport = await _posted(app, clock)
    handler, service = _handler(app, delivery)
    handler.ignore_user(Platform.CONSOLE, "BOT")
    header, reply = transport.sent[0].ref, transport.sent[1].ref
    stranger = MessageRef(reply.platform, reply.workspace, reply.channel, "not-ours")
    for reaction in (
        Reaction(header, user="U1", emoji="🔔"),
        Reaction(stranger, user="U1", emoji="🔔"),
        Reaction(reply, user="U1", emoji="👍"),
        Reaction(reply, user="BOT", emoji="🔔"),
    ):
        result = await handler.handle(reaction)
        assert result.change is None and result.confirmation is None
    assert (await handler.handle(Reaction(stranger, "U1", "🔔"))).outcome is ReactionOutcome.IGNORED
    assert await service.following(ANN) == []
    bot = Person(Platform.CONSOLE, "T1", "BOT")
    assert await service.following(bot) == []


async def test_the_subscribe_emoji_is_the_configured_one(app: App, clock: FixedClock) -> None:
    delivery, transport = await _posted(app, clock)
    service = SubscriptionService(SqlSubscriptionStore(app.engine), app.clock)
    papers = PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer)
    handler = ReactionHandler(
        delivery.ledger, PrometheusMetrics(), subscriptions=service, papers=papers, emoji=("⭐",)
    )
    reply = transport.sent[2].ref
    assert (await handler.handle(Reaction(reply, user="U1", emoji="🔔"))).change is None
    assert (await handler.handle(Reaction(reply, user="U1", emoji="⭐"))).change is not None
    assert await _following(service) == ["tag:scaling", "tag:rl"]
