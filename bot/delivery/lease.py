"""A run's lease while it is being sent: kept alive in the background, checked before each send.

The ledger grants a lease until an instant; nobody can take the run over before it. A sender
may start a send only while at least `margin` of the lease is left (the time a send may take),
so a send never starts on a lease that could run out under it. A background heartbeat renews
the lease while the run waits for the pacer, retries or sends, so a slow but living owner keeps
its run. A renewal the ledger refuses means another claim took the run over: from then on every
send is refused, and the ledger refuses this claim's records too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from bot.delivery.drain import HandedBackError
from bot.delivery.pacing import Sleep
from bot.ports import Clock
from bot.store.deliveries import LeaseLostError, RunClaim, SqlDeliveryLedger

__all__ = ["RunLease", "claim_leased"]

log = logging.getLogger(__name__)


class RunLease:
    """The lease of one claimed run, held by one task of this process."""

    def __init__(
        self,
        ledger: SqlDeliveryLedger,
        claim: RunClaim,
        *,
        clock: Clock,
        lease: timedelta,
        claimed_at: datetime,
        beat: Sleep = asyncio.sleep,
    ) -> None:
        """`claimed_at` is the `now` the claim was made with (its lease runs from there).

        `beat` waits between heartbeats (a quarter of the lease); tests pass their own.
        """
        self.claim = claim
        self._ledger, self._clock, self._lease, self._beat = ledger, clock, lease, beat
        self._margin = lease / 2
        self._held_until = claimed_at + lease
        self._lost = False

    @property
    def lost(self) -> bool:
        """Whether another claim took the run over."""
        return self._lost

    def until(self) -> datetime:
        """The end of a lease renewed now (what `mark_sent` records)."""
        return self._clock.now() + self._lease

    def renewed(self, until: datetime) -> None:
        """The ledger accepted a write that extended the lease to `until`."""
        self._held_until = max(self._held_until, until)

    def refused(self) -> LeaseLostError:
        """The ledger refused this claim: remember it, and return the error to raise."""
        self._lost = True
        return LeaseLostError(self.claim)

    async def renew(self) -> bool:
        """Extend the lease now; False (and lost from then on) when another claim owns the run."""
        if self._lost:
            return False
        until = self.until()
        if not await self._ledger.renew(self.claim, until):
            self._lost = True
            return False
        self.renewed(until)
        return True

    async def hand_back(self) -> HandedBackError:
        """The process stops: give the run back for an immediate resume (see `bot.delivery.drain`)
        and return the error to raise. No write of this claim is accepted afterwards."""
        self._lost = True  # the heartbeat renews no more
        if not await self._ledger.hand_back(self.claim, self._clock.now()):
            log.warning("%s: taken over before it was handed back", self.claim.digest_key)
        return HandedBackError(self.claim)

    async def ensure(self) -> None:
        """Before a send: make sure the lease holds for at least the margin, or stop.

        Raises:
            LeaseLostError: another claim took the run over; nothing more may be sent.
        """
        if self._lost:
            raise LeaseLostError(self.claim)
        if self._clock.now() + self._margin < self._held_until:
            return
        if not await self.renew():
            raise LeaseLostError(self.claim)

    @contextlib.asynccontextmanager
    async def kept(self) -> AsyncIterator[RunLease]:
        """Renew the lease in the background for as long as the block runs.

        On exit the heartbeat is stopped between beats, never cancelled inside a renewal: a
        write cut off mid-transaction would keep its connection (and SQLite's write lock).
        """
        stop = asyncio.Event()
        task = asyncio.create_task(self._heartbeat(stop), name=f"lease {self.claim.id}")
        try:
            yield self
        finally:
            stop.set()
            await task

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        interval = self._lease.total_seconds() / 4
        stopped = asyncio.create_task(stop.wait())
        try:
            while not self._lost:
                beat = asyncio.ensure_future(self._beat(interval))
                await asyncio.wait({beat, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if stop.is_set() or self._lost:
                    beat.cancel()
                    return
                await self._beat_once()
        finally:
            stopped.cancel()

    async def _beat_once(self) -> None:
        try:
            if not await self.renew():
                log.warning("%s: another process took the run over", self.claim.digest_key)
        except Exception:  # boundary: a failed renewal is retried at the next beat
            log.warning("could not renew the lease of run %d", self.claim.id, exc_info=True)


async def claim_leased(
    ledger: SqlDeliveryLedger,
    destination_key: str,
    digest_key: str,
    *,
    trigger: str,
    owner: str,
    clock: Clock,
    lease: timedelta,
    beat: Sleep = asyncio.sleep,
) -> RunLease | None:
    """Claim a run and hold its lease from the claim's own `now` (channel and DM runs alike);
    None when the run is already taken or done."""
    now = clock.now()
    claim = await ledger.claim_run(
        destination_key, digest_key, trigger=trigger, owner=owner, now=now, lease=lease
    )
    if claim is None:
        return None
    return RunLease(ledger, claim, clock=clock, lease=lease, claimed_at=now, beat=beat)
