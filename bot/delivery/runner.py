"""One digest run for one destination and slot: claim it, build it, publish it, close it."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.delivery.alerts import AdminAlerts
from bot.delivery.corrections import Corrections
from bot.delivery.delivered import kept_by_failed_run
from bot.delivery.drain import HandedBackError
from bot.delivery.lease import RunLease, claim_leased
from bot.delivery.pacing import Sleep
from bot.delivery.publisher import Publisher
from bot.delivery.rebuild import rebuild_run
from bot.digest.build import RunSnapshot, build_digest, rebuild_digest, start_day_for
from bot.digest.settings import DestinationSettings
from bot.errors import DeliveryError
from bot.log_context import run_scope
from bot.metrics import NullMetrics
from bot.models import Digest
from bot.ports import Clock, Metrics
from bot.store.deliveries import LeaseLostError, PartState, RunClaim, SqlDeliveryLedger
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
    ALREADY = "already"  # the slot ran, or another process (or task) holds it
    SKIPPED = "skipped"  # disabled or paused
    LOST = "lost"  # its lease ran out and another claim took the run over mid-send
    STOPPED = "stopped"  # the process is stopping: not started, or handed back (see drain)


@dataclass(slots=True)
class _Built:
    """The digest a run is sending, its snapshot, and its parts once sent."""

    digest: Digest
    snapshot: RunSnapshot
    parts: list[PartState] = field(default_factory=list)


class DigestRunner:
    """The ledger guards every step; a run is safe to call twice, anywhere.

    At most `parallel` runs are in flight at once (the others queue), so a fan-out to many
    destinations stays within the database's connection pool.
    """

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
        corrections: Corrections | None = None,
        lease: timedelta = timedelta(minutes=2),
        pause_after: int = 3,
        parallel: int = 8,
        beat: Sleep = asyncio.sleep,
        metrics: Metrics | None = None,
    ) -> None:
        """`corrections` settle each closed run; `beat` spaces the lease heartbeats (tests pass a
        sleep they control); `metrics` count and time the runs."""
        self._metrics: Metrics = metrics or NullMetrics()
        self._notes, self._ledger, self._destinations = notes, ledger, destinations
        self._publisher, self._alerts, self._clock = publisher, alerts, clock
        self._owner, self._lease, self._pause_after = owner, lease, pause_after
        self._candidates, self._beat, self._corrections = candidates, beat, corrections
        self._slots = asyncio.Semaphore(parallel)
        self._running: set[tuple[str, str]] = set()  # (destination, digest key) in this process

    async def run(
        self, settings: DestinationSettings, digest_key: str, *, trigger: str = "schedule"
    ) -> RunOutcome:
        """Run the slot unless it already ran; delivery failures are recorded, not raised.

        Any other error is recorded too, then raised to the job wrapper. A crash or cancel
        leaves the run pending: it is resumed once its lease runs out, but never by this
        process while one of its own tasks still runs it.
        """
        slot = (settings.key, digest_key)
        if slot in self._running:
            return RunOutcome.ALREADY
        self._running.add(slot)
        started, outcome = time.perf_counter(), "error"
        try:
            with run_scope():
                async with self._slots:
                    log.debug("digest %s to %s (%s)", digest_key, settings.key, trigger)
                    result = await self._run(settings, digest_key, trigger)
                    outcome = result.value
                    return result
        finally:
            self._running.discard(slot)
            where = {"platform": settings.destination.platform.value, "outcome": outcome}
            self._metrics.inc("paperbot_digest_runs_total", **where)
            elapsed = time.perf_counter() - started
            self._metrics.observe("paperbot_digest_run_seconds", elapsed, **where)

    async def _run(
        self, settings: DestinationSettings, digest_key: str, trigger: str
    ) -> RunOutcome:
        if self._publisher.drain.closed:
            return RunOutcome.STOPPED
        state = await self._destinations.state(settings.key)
        if not settings.enabled or state.paused:
            return RunOutcome.SKIPPED
        lease = await claim_leased(
            self._ledger,
            settings.key,
            digest_key,
            trigger=trigger,
            owner=self._owner,
            clock=self._clock,
            lease=self._lease,
            beat=self._beat,
        )
        if lease is None:
            return RunOutcome.ALREADY
        claim = lease.claim
        built: _Built | None = None
        try:
            async with lease.kept():
                built = _Built(*await self._digest_for(settings, claim))
                built.parts = await self._publish(settings, lease, built)
        except HandedBackError:
            log.info("%s to %s: handed back for a resume (stopping)", digest_key, settings.key)
            return RunOutcome.STOPPED
        except LeaseLostError:
            log.warning("%s to %s: lease lost, another claim resumes it", digest_key, settings.key)
            return RunOutcome.LOST
        except DeliveryError as exc:
            return await self._fail(settings, claim, exc, built)
        except Exception as exc:  # boundary: record it, then the job wrapper logs it
            error = f"internal error: {exc!r}"
            delivered = await self._delivered(settings, claim, built)
            await self._ledger.finish(
                claim, FAILED, self._clock.now(), error=error, delivered=delivered
            )
            raise
        digest, snapshot = built.digest, built.snapshot
        sent = bool(digest.days)
        if not await self._ledger.finish(claim, SENT if sent else EMPTY, self._clock.now()):
            return RunOutcome.LOST  # taken over after the last send: its new owner closes it
        if not sent and not snapshot.empty_message:
            return RunOutcome.EMPTY
        await self._destinations.record_success(settings.key, self._clock.now())
        log.info("posted %s to %s", claim.digest_key, settings.key)
        await self._settle(claim, built, built.parts)
        return RunOutcome.SENT if sent else RunOutcome.EMPTY

    async def _publish(
        self, settings: DestinationSettings, lease: RunLease, built: _Built
    ) -> list[PartState]:
        """Send what is not sent yet of the run's digest (nothing when it has nothing to say)."""
        if built.digest.days or built.snapshot.empty_message:
            return await self._publisher.publish(lease, settings.destination, built.digest)
        return []

    async def _fail(
        self,
        settings: DestinationSettings,
        claim: RunClaim,
        exc: DeliveryError,
        built: _Built | None,
    ) -> RunOutcome:
        now = self._clock.now()
        delivered = await self._delivered(settings, claim, built)
        if not await self._ledger.finish(claim, FAILED, now, error=str(exc), delivered=delivered):
            return RunOutcome.LOST
        log.error("digest %s to %s failed: %s", claim.digest_key, settings.key, exc)
        if not exc.retryable:
            paused = await self._destinations.record_permanent_failure(
                settings.key, str(exc), pause_after=self._pause_after, now=now, code=exc.error_code
            )
            if paused:
                await self._alerts.destination_paused(
                    settings.key, str(exc), self._pause_after, code=exc.code, advice=exc.advice
                )
        if built is not None and delivered:
            await self._settle(claim, built, await self._ledger.parts_of(claim.id))
        return RunOutcome.FAILED

    async def _delivered(
        self, settings: DestinationSettings, claim: RunClaim, built: _Built | None
    ) -> tuple[str, ...]:
        renderer = self._publisher.route(settings.destination.platform).renderer
        digest = built.digest if built is not None else None
        return await kept_by_failed_run(self._ledger, renderer, claim, digest)

    async def _settle(self, claim: RunClaim, built: _Built, parts: list[PartState]) -> None:
        """Correct what changed in the run's notes while it was being sent (see corrections)."""
        if self._corrections is not None:
            await self._corrections.settle_closed(claim, built.snapshot, parts)

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
            if await self._ledger.assign(claim, snapshot):
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
