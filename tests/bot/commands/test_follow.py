"""The Follow button's core: a click follows the paper's current tags for the clicker (the
digest's zone becomes a first plan), a second click adds nothing and says so, a retag adds only
the new tags, a retracted or untagged paper follows nothing, and removing a 🔔 on the same
message keeps what the click added. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.commands.follow import FollowButtons, FollowClick
from bot.commands.reactions import ReactionHandler
from bot.digest.personal import Person
from bot.models import Destination, Platform, Reaction
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
A, B = note(D1, "a", "rl", "reasoning"), note(D1, "b")


def _said(reply: Reply) -> str:
    assert reply.ephemeral and isinstance(reply.view, MessageView)
    return catalogue().message("en", reply.view)


async def test_a_click_follows_the_papers_current_tags_once_for_the_clicker(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, D1, [A, B])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(CHANNEL, "slot:1")
    service = SubscriptionService(SqlSubscriptionStore(app.engine), app.clock)

    async def destination_of(key: str) -> Destination | None:
        return CHANNEL.destination if key == CHANNEL.key else None

    buttons = FollowButtons(service, app.notes, delivery.ledger, destination_of)
    on_a = transport.sent[1].ref  # paper a's own reply
    first = await buttons.click(FollowClick(on_a, "U1", A.key))
    assert _said(first) == (
        "Now following: tag:rl, tag:reasoning.\n"
        "You follow: tag:rl, tag:reasoning.\n"
        "New matching notes come by DM every day at 09:00 (Europe/Berlin)."  # the digest's zone
    )
    again = _said(await buttons.click(FollowClick(on_a, "U1", A.key)))
    assert again.startswith("You already follow tag:rl, tag:reasoning.\nYou follow:")
    assert [s.origins for s in await service.following(ANN)] == [("button:" + A.key,)] * 2

    handler = ReactionHandler(
        delivery.ledger, PrometheusMetrics(), subscriptions=service, destination_of=destination_of,
        papers=PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer),
    )  # fmt: skip
    await handler.handle(Reaction(on_a, user="U1", emoji="🔔"))
    await handler.handle(Reaction(on_a, user="U1", emoji="🔔", added=False))
    assert [s.text for s in await service.following(ANN)] == ["tag:rl", "tag:reasoning"]

    await put_day(app, D1, [note(D1, "a", "rl", "agents"), B], version="v2")  # retagged
    retagged = _said(await buttons.click(FollowClick(on_a, "U1", A.key)))
    assert retagged.startswith("You already follow tag:rl.\nNow following: tag:agents.\n")
    assert "no tags" in _said(await buttons.click(FollowClick(on_a, "U1", B.key)))
    await put_day(app, D1, [B], version="v3")  # a retracted
    gone = _said(await buttons.click(FollowClick(on_a, "U2", A.key)))
    assert gone == f"That paper ({A.key}) is no longer in the notes; nothing changed."
    assert await service.following(Person(Platform.CONSOLE, "T1", "U2")) == []


async def test_a_tampered_or_cut_key_follows_nothing_and_says_so(
    app: App, clock: FixedClock
) -> None:
    """A button's value is the only state: a key cut short, holding a NUL (PostgreSQL text
    cannot) or a lone surrogate (UTF-8 cannot), is a paper no longer in the notes, not an
    exception."""
    await put_day(app, D1, [A])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(CHANNEL, "slot:1")
    service = SubscriptionService(SqlSubscriptionStore(app.engine), app.clock)
    buttons = FollowButtons(service, app.notes, delivery.ledger)
    on_a = transport.sent[1].ref
    for key in (A.key[:-1], A.key + "\x00", "\x00", "", A.key + "\ud800", "\udfff"):
        said = _said(await buttons.click(FollowClick(on_a, "U1", key)))
        assert said.endswith("is no longer in the notes; nothing changed.")
    assert await service.following(ANN) == []
