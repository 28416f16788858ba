"""A destination's candidates are selected in SQL: live, untaken, from its start day on.

The digest builder trusts this selection (it applies only the filter and the cap), so these
rules are pinned here, on both databases.
"""

from datetime import date, timedelta

from bot.app import App
from bot.digest.build import RunSnapshot
from bot.store.deliveries import SqlDeliveryLedger
from bot.store.undelivered import SqlUndeliveredNotes
from tests.support.clock import FixedClock
from tests.support.delivery import note, put_day

D1, D2 = date(2024, 9, 18), date(2024, 9, 19)
KEY = "console:T1:C1"


async def test_candidates_are_live_untaken_and_from_the_start_day(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, D1, [note(D1, "a"), note(D1, "gone"), note(D1, "b")])
    await put_day(app, D2, [note(D2, "c"), note(D2, "d")])
    await put_day(app, D1, [note(D1, "a"), note(D1, "b")], version="v2")  # retracts "gone"
    candidates = SqlUndeliveredNotes(app.engine)

    everything = [n.key for n in await candidates.for_destination(KEY, None)]
    assert everything == ["2024-09-18-a", "2024-09-18-b", "2024-09-19-c", "2024-09-19-d"]
    assert [n.key for n in await candidates.for_destination(KEY, D2)] == everything[2:]

    ledger = SqlDeliveryLedger(app.engine)
    claim = await ledger.claim_run(
        KEY, "slot:1", trigger="test", owner="me", now=clock.now(), lease=timedelta(minutes=2)
    )
    assert claim is not None
    taken = RunSnapshot(note_keys=("2024-09-18-b", "2024-09-19-c"))
    assert await ledger.assign(claim, taken)
    left = [n.key for n in await candidates.for_destination(KEY, None)]
    assert left == ["2024-09-18-a", "2024-09-19-d"]
    assert len(await candidates.for_destination("console:T1:OTHER", None)) == 4
