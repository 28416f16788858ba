"""Reactions reach one core entry point: a digest message of ours is found, anything else is
ignored, on SQLite and PostgreSQL."""

from datetime import date

from adapters.http.prometheus import PrometheusMetrics
from bot.app import App
from bot.commands.reactions import REACTIONS_METRIC, ReactionHandler, ReactionOutcome
from bot.models import MessageRef, Platform, Reaction
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

D1 = date(2024, 9, 18)


async def test_a_reaction_on_a_posted_digest_message_finds_its_run(
    app: App, clock: FixedClock
) -> None:
    notes = [note(D1, "a", "rl"), note(D1, "b", "survey")]
    await put_day(app, D1, notes)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(), "slot:1")
    metrics = PrometheusMetrics()
    handler = ReactionHandler(delivery.ledger, metrics)

    reply = transport.sent[2].ref  # the second note's own message in the thread
    result = await handler.handle(Reaction(reply, user="U1", emoji="bell"))

    assert result.outcome is ReactionOutcome.RECORDED
    assert result.posted is not None
    assert (result.posted.destination_key, result.posted.digest_key) == ("console:T1:C1", "slot:1")
    assert result.posted.part_no == 2
    assert sorted(result.posted.note_keys) == sorted(n.key for n in notes)
    counted = metrics.sample(REACTIONS_METRIC, outcome="recorded", platform="console")
    assert counted == 1


async def test_a_reaction_on_any_other_message_is_ignored(app: App, clock: FixedClock) -> None:
    await put_day(app, D1, [note(D1, "a", "rl")])
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(), "slot:1")
    handler = ReactionHandler(delivery.ledger, PrometheusMetrics())
    posted = transport.sent[0].ref
    elsewhere = [
        MessageRef(posted.platform, posted.workspace, posted.channel, "someone-else"),
        MessageRef(posted.platform, posted.workspace, "C2", posted.message_id),
        MessageRef(Platform.SLACK, posted.workspace, posted.channel, posted.message_id),
    ]
    for ref in elsewhere:
        result = await handler.handle(Reaction(ref, user="U1", emoji="bell", added=False))
        assert result.outcome is ReactionOutcome.IGNORED
        assert result.posted is None
