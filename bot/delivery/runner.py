"""One digest run for one destination and slot: claim it, build it, publish it, close it."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from bot.delivery.alerts import AdminAlerts
from bot.delivery.publisher import Publisher
from bot.delivery.rebuild import rebuild_run
from bot.digest.build import RunSnapshot, build_digest, rebuild_digest, start_day_for
from bot.digest.settings import DestinationSettings
from bot.errors import DeliveryError
from bot.models import Digest
from bot.ports import Clock
from bot.store.deliveries import RunClaim, SqlDeliveryLedger
from bot.store.destinations import SqlDestinationStore
from bot.store.notes import SqlNoteStore
from bot.store.run_views import EMPTY, FAILED, SENT
from bot.store.undelivered import SqlUndeliveredNotes

__all__ = ["DigestRunner", "RunOutcome"]

log = logging.getLogger(__name__)


class RunOutcome(StrEnum):
    """What a call to `DigestRunner.run` did."""

    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"
    ALREADY = "already"  # the slot ran, or another process holds it
    SKIPPED = "skipped"  # disabled or paused


class DigestRunner:
    """The ledger guards every step; a run is safe to call twice, anywhere."""

    def __init__(
        self,
        *,
        notes: SqlNoteStore,
        ledger: SqlDeliveryLedger,
        destinations: SqlDestinationStore,
        publisher: Publisher,
        alerts: AdminAlerts,
        clock: Clock,
        owner: str,
        candidates: SqlUndeliveredNotes,
        lease: timedelta = timedelta(minutes=2),
        pause_after: int = 3,
    ) -> None:
        self._notes, self._ledger, self._destinations = notes, ledger, destinations
        self._publisher, self._alerts, self._clock = publisher, alerts, clock
        self._owner, self._lease, self._pause_after = owner, lease, pause_after
        self._candidates = candidates

    async def run(
        self, settings: DestinationSettings, digest_key: str, *, trigger: str = "schedule"
    ) -> RunOutcome:
        """Run the slot unless it already ran; delivery failures are recorded, not raised.

        Any other error is recorded too, then raised to the job wrapper. A crash or cancel
        leaves the run pending: it is resumed once its lease runs out.
        """
        state = await self._destinations.state(settings.key)
        if not settings.enabled or state.paused:
            return RunOutcome.SKIPPED
        claim = await self._ledger.claim_run(
            settings.key,
            digest_key,
            trigger=trigger,
            owner=self._owner,
            now=self._clock.now(),
            lease=self._lease,
        )
        if claim is None:
            return RunOutcome.ALREADY
        try:
            return await self._deliver(settings, claim)
        except DeliveryError as exc:
            await self._fail(settings, claim, exc)
            return RunOutcome.FAILED
        except Exception as exc:  # boundary: record it, then the job wrapper logs it
            error = f"internal error: {exc!r}"
            await self._ledger.finish(claim.id, FAILED, self._clock.now(), error=error)
            raise

    async def _deliver(self, settings: DestinationSettings, claim: RunClaim) -> RunOutcome:
        digest, snapshot = await self._digest_for(settings, claim)
        if not digest.days and not snapshot.empty_message:
            await self._ledger.finish(claim.id, EMPTY, self._clock.now())
            return RunOutcome.EMPTY
        await self._publisher.publish(claim, settings.destination, digest)
        await self._ledger.finish(claim.id, SENT if digest.days else EMPTY, self._clock.now())
        await self._destinations.record_success(settings.key, self._clock.now())
        log.info("posted %s to %s", claim.digest_key, settings.key)
        return RunOutcome.SENT if digest.days else RunOutcome.EMPTY

    async def _fail(
        self, settings: DestinationSettings, claim: RunClaim, exc: DeliveryError
    ) -> None:
        now = self._clock.now()
        await self._ledger.finish(claim.id, FAILED, now, error=str(exc))
        log.error("digest %s to %s failed: %s", claim.digest_key, settings.key, exc)
        if exc.retryable:
            return
        paused = await self._destinations.record_permanent_failure(
            settings.key, str(exc), pause_after=self._pause_after, now=now
        )
        if paused:
            await self._alerts.destination_paused(settings.key, str(exc), self._pause_after)

    async def _digest_for(
        self, settings: DestinationSettings, claim: RunClaim
    ) -> tuple[Digest, RunSnapshot]:
        """A resumed run is rebuilt from its snapshot; a new one takes its notes first."""
        if claim.snapshot is not None:
            return await rebuild_run(self._notes, claim.digest_key, claim.snapshot), claim.snapshot
        spec = settings.spec(claim.digest_key)
        for _ in range(3):  # another run of this destination may take a note first
            digest = await self.preview(settings, claim.digest_key)
            snapshot = RunSnapshot.of(spec, digest, empty_message=settings.empty_message)
            if await self._ledger.assign(claim.id, settings.key, snapshot):
                return digest or rebuild_digest(claim.digest_key, snapshot, ()), snapshot
        snapshot = RunSnapshot.of(spec, None, empty_message=False)
        return rebuild_digest(claim.digest_key, snapshot, ()), snapshot

    async def preview(
        self, settings: DestinationSettings, digest_key: str, *, dry_run: bool = False
    ) -> Digest | None:
        """The digest this destination would get now (no note is taken, nothing is sent).

        A destination's first build fixes where its history starts, unless `dry_run`.
        """
        state = await self._destinations.state(settings.key)
        start = state.start_day
        if not state.started:
            first = start_day_for(settings.backfill, await self._notes.newest_day())
            start = (
                first
                if dry_run
                else await self._destinations.start(settings.key, first, self._clock.now())
            )
        notes = await self._candidates.for_destination(settings.key, start)
        return build_digest(settings.spec(digest_key), notes)
