"""Digest runs through the real ledger on SQLite and PostgreSQL, with a recording transport."""

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.app import App
from bot.delivery.config import ID_CHARS, MAX_ENTRIES, DeliveryConfig
from bot.delivery.runner import RunOutcome
from bot.digest.build import Backfill, RunSnapshot
from bot.replies import Text
from bot.store.delivery_schema import DigestRunRow
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

D1, D2, D3 = date(2024, 9, 18), date(2024, 9, 19), date(2024, 9, 20)


async def seed(app: App) -> None:
    await put_day(app, D1, [note(D1, "a", "rl"), note(D1, "b", "survey")])
    await put_day(app, D2, [note(D2, "c", "rl")])


async def test_digest_posts_header_then_thread_replies_once(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    settings = dest()
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
    assert transport.texts() == [
        "slot:1: 3 notes, 0 more",
        "2024-09-18-a | a",
        "2024-09-18-b | b",
        "2024-09-19-c | c",
    ]
    header = transport.sent[0].ref.message_id
    assert [s.thread for s in transport.sent[1:]] == [header] * 3
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.ALREADY
    assert await delivery.runner.run(settings, "slot:2") is RunOutcome.EMPTY
    assert len(transport.sent) == 4


async def test_only_new_notes_go_in_the_next_digest(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(), "slot:1")
    await put_day(app, D3, [note(D3, "d", "rl")])
    await delivery.runner.run(dest(), "slot:2")
    assert transport.texts()[4:] == ["slot:2: 1 notes, 0 more", "2024-09-20-d | d"]


async def test_filter_and_cap_per_destination(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    rl = dest("C2", filter_text="tag:rl", max_entries=1)
    await delivery.runner.run(rl, "slot:1")
    assert transport.texts() == ["slot:1: 1 notes, 1 more", "2024-09-18-a | a"]
    await delivery.runner.run(rl, "slot:2")
    assert transport.texts()[2:] == ["slot:2: 1 notes, 0 more", "2024-09-19-c | c"]


async def test_first_run_backfill(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest("NEW", backfill=Backfill.NEWEST), "slot:1")
    await delivery.runner.run(dest("NONE", backfill=Backfill.NONE), "slot:1")
    assert transport.texts("console:T1:NEW") == ["slot:1: 1 notes, 0 more", "2024-09-19-c | c"]
    assert transport.texts("console:T1:NONE") == []
    await put_day(app, D3, [note(D3, "d")])
    await delivery.runner.run(dest("NEW", backfill=Backfill.NEWEST), "slot:2")
    await delivery.runner.run(dest("NONE", backfill=Backfill.NONE), "slot:2")
    assert transport.texts("console:T1:NEW")[2:] == ["slot:2: 1 notes, 0 more", "2024-09-20-d | d"]
    assert transport.texts("console:T1:NONE") == ["slot:2: 1 notes, 0 more", "2024-09-20-d | d"]


async def test_empty_digest_posts_nothing_or_one_line(app: App, clock: FixedClock) -> None:
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    assert await delivery.runner.run(dest("Q"), "slot:1") is RunOutcome.EMPTY
    assert await delivery.runner.run(dest("L", empty_message=True), "slot:1") is RunOutcome.EMPTY
    assert transport.texts() == ["slot:1: no new notes"]


async def test_retryable_failures_retry_with_backoff_and_retry_after(
    app: App, clock: FixedClock
) -> None:
    await seed(app)
    transport = RecordingTransport()
    transport.fail_next("console:T1:C1", "500", "429", "timeout", "connection")
    delivery, sleep = wire(app, transport, clock)
    start = clock.now()
    assert await delivery.runner.run(dest(), "slot:1") is RunOutcome.SENT
    assert len(transport.sent) == 4
    # backoff after the 1st, 3rd and 4th failure; the 429 holds the workspace for ≥ Retry-After
    assert len(sleep.waits) >= 3
    assert clock.now() - start >= timedelta(seconds=2)
    (run,) = await delivery.ledger.recent_runs()
    assert run.status == "sent"
    assert "connection reset" in run.error


async def test_retries_stop_at_the_limit_and_the_run_fails(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    transport.fail_always("console:T1:C1", "500")
    delivery, _ = wire(app, transport, clock, max_attempts=3)
    assert await delivery.runner.run(dest(), "slot:1") is RunOutcome.FAILED
    assert transport.failures["500"] == 3
    (run,) = await delivery.ledger.recent_runs()
    assert (run.status, run.error) == ("failed", "HTTP 503")
    transport.heal("console:T1:C1")
    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.SENT
    assert len(transport.sent) == 4  # the failed run's notes came back


async def test_permanent_failures_pause_after_n_and_success_resets(
    app: App, clock: FixedClock
) -> None:
    await seed(app)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    settings = dest()
    transport.fail_next(settings.key, "channel_not_found")
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.FAILED
    assert await delivery.runner.run(settings, "slot:2") is RunOutcome.SENT
    assert (await delivery.destinations.state(settings.key)).consecutive_failures == 0
    await put_day(app, D3, [note(D3, "d")])
    transport.fail_always(settings.key, "channel_not_found")
    for n in range(3, 6):
        assert await delivery.runner.run(settings, f"slot:{n}") is RunOutcome.FAILED
    state = await delivery.destinations.state(settings.key)
    assert state.paused and "channel_not_found" in state.pause_reason
    assert transport.failures["channel_not_found"] == 4  # one try each: permanent is not retried
    assert await delivery.runner.run(settings, "slot:6") is RunOutcome.SKIPPED


async def test_failure_on_one_destination_does_not_stop_another(
    app: App, clock: FixedClock
) -> None:
    await seed(app)
    transport = RecordingTransport()
    transport.fail_always("console:T1:BAD", "not_in_channel")
    delivery, _ = wire(app, transport, clock)
    assert await delivery.runner.run(dest("BAD"), "slot:1") is RunOutcome.FAILED
    assert await delivery.runner.run(dest("OK"), "slot:1") is RunOutcome.SENT


async def test_slot_is_unique_in_the_database(app: App, clock: FixedClock) -> None:
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest(empty_message=True), "slot:1")
    sessions = async_sessionmaker(app.engine)
    try:
        async with sessions() as session, session.begin():
            session.add(
                DigestRunRow(
                    destination_key="console:T1:C1",
                    digest_key="slot:1",
                    status="sent",
                    trigger="x",
                    owner="other",
                    lease_until=clock.now(),
                    attempts=1,
                    error="",
                    filter_text="",
                    overflow=0,
                    locale="ko",
                    layout="thread",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    except IntegrityError:
        return
    raise AssertionError("a second run row for the same slot was accepted")


async def test_resumed_run_sends_only_unsent_parts(app: App, clock: FixedClock) -> None:
    """A run whose owner died (lease ran out) is taken over; recorded parts are not resent."""
    await seed(app)
    first = RecordingTransport()
    dying, _ = wire(app, first, clock, owner="A", lease=timedelta(seconds=30))
    claim = await dying.ledger.claim_run(
        "console:T1:C1",
        "slot:1",
        trigger="schedule",
        owner="A",
        now=clock.now(),
        lease=timedelta(seconds=30),
    )
    assert claim is not None
    digest = await dying.runner.preview(dest(), "slot:1")
    snapshot = RunSnapshot.of(dest().spec("slot:1"), digest, empty_message=False)
    assert digest is not None and await dying.ledger.assign(claim, snapshot)
    # A sent the header and one reply, then died before recording the second reply.
    payloads = dying.publisher.route(dest().destination.platform).renderer.render_digest(digest)
    for part_no in range(2):
        state = await dying.ledger.claim_part(
            claim.id, dest().destination, "slot:1", part_no, "h", clock.now()
        )
        ref = await first.post(dest().destination, payloads[part_no])
        until = clock.now() + timedelta(seconds=30)
        assert await dying.ledger.mark_sent(state.id, ref, clock.now(), run=claim, until=until)
    await dying.ledger.claim_part(claim.id, dest().destination, "slot:1", 2, "h", clock.now())
    await first.post(dest().destination, payloads[2])  # sent, never recorded

    second = RecordingTransport()
    taker, _ = wire(app, second, clock, owner="B")
    assert await taker.runner.run(dest(), "slot:1") is RunOutcome.ALREADY  # lease still held
    clock.advance(timedelta(seconds=31))
    assert await taker.runner.run(dest(), "slot:1") is RunOutcome.SENT
    assert second.texts() == ["2024-09-18-b | b", "2024-09-19-c | c"]  # 1 repeat: the in-flight one
    assert {s.thread for s in second.sent} == {first.sent[0].ref.message_id}


async def test_pause_tells_the_admin_channel(app: App, clock: FixedClock) -> None:
    await seed(app)
    told: list[Text] = []

    async def admin_message(text: Text) -> None:
        told.append(text)

    transport = RecordingTransport()
    transport.fail_always("console:T1:C1", "token_revoked")
    config = DeliveryConfig(pause_after_failures=2)
    delivery, _ = wire(app, transport, clock, config=config, admin_message=admin_message)
    await delivery.runner.run(dest(), "slot:1")
    assert told == []
    await delivery.runner.run(dest(), "slot:2")
    (text,) = told
    assert text.key == "alert.paused"
    assert text.params == {"destination": "console:T1:C1", "failures": 2, "reason": "token_revoked"}


async def test_unexpected_error_is_recorded_then_raised(app: App, clock: FixedClock) -> None:
    await seed(app)
    transport = RecordingTransport()
    transport.fail_next("console:T1:C1", "bug")
    delivery, _ = wire(app, transport, clock)
    with pytest.raises(ValueError, match="a bug"):
        await delivery.runner.run(dest(), "slot:1")
    (run,) = await delivery.ledger.recent_runs()
    assert run.status == "failed" and "a bug" in run.error
    assert await delivery.runner.run(dest(), "slot:2") is RunOutcome.SENT
    assert len(transport.sent) == 4  # the notes came back


async def test_the_config_checks_bounds_are_what_the_ledger_holds(
    app: App, clock: FixedClock
) -> None:
    """The longest ids and the largest `max_entries` the config check lets through are run and
    recorded on both engines (one more character, or 2**31, PostgreSQL refused)."""
    await seed(app)
    transport = RecordingTransport()
    delivery, _ = wire(app, transport, clock)
    settings = dest("c" * ID_CHARS, workspace="w" * ID_CHARS, max_entries=MAX_ENTRIES)
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.SENT
    assert await delivery.runner.run(settings, "slot:1") is RunOutcome.ALREADY
    assert len(transport.sent) == 4
