"""Personal DM digests through the delivery ledger: each person's DM is a destination, each
cadence slot a run, so a DM is sent once and only once (one run per person and slot, one
assignment per person and note), retried, paused and corrected like any channel digest.

The work is done in bulk: one query for the new notes, one for what was already sent to whom,
then each person's digest in memory (`build_personal_digest`); only a person with something new
gets a run, so nothing new means no DM and no ledger row. A DM that fails permanently (the
person cannot be DMed) pauses that person's DM destination at once: the reason is kept
(`paperbot deliveries`, the destination's state) and it is not retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cron import slot_key
from bot.delivery.corrections import Corrections
from bot.delivery.delivered import kept_by_failed_run
from bot.delivery.lease import claim_leased
from bot.delivery.pacing import Sleep
from bot.delivery.publisher import Publisher
from bot.delivery.rebuild import rebuild_run
from bot.delivery.runner import RunOutcome
from bot.delivery.service import Delivery
from bot.digest.build import RunSnapshot
from bot.digest.personal import (
    DM_PREFIX,
    Cadence,
    Candidates,
    DeliveryPlan,
    Person,
    PersonalDigest,
    build_personal_digest,
)
from bot.errors import DeliveryError
from bot.models import PERSONAL_DIGEST_PREFIX as DM
from bot.models import Destination, Digest, ErrorCode, Platform
from bot.ports import Clock
from bot.store.deliveries import LeaseLostError, PartState, RunClaim, SqlDeliveryLedger
from bot.store.destinations import SqlDestinationStore
from bot.store.notes import SqlNoteStore
from bot.store.run_views import EMPTY, FAILED, SENT
from bot.store.subscriptions import SqlSubscriptionStore, StoredSubscription
from bot.subscriptions.filters import SubscriptionFilter, stored_filter

__all__ = ["PersonalDigests", "personal_digests_for"]

log = logging.getLogger(__name__)

PAUSE_AFTER = 1
"""Permanent DM failures before a person's DM is paused: a closed DM is not retried forever."""


class PersonalDigests:
    """Works out and sends every person's DM digest; safe to call twice, anywhere."""

    def __init__(
        self,
        *,
        store: SqlSubscriptionStore,
        notes: SqlNoteStore,
        ledger: SqlDeliveryLedger,
        destinations: SqlDestinationStore,
        publisher: Publisher,
        clock: Clock,
        owner: str,
        grace: timedelta = timedelta(hours=6),
        lease: timedelta = timedelta(minutes=2),
        beat: Sleep = asyncio.sleep,
        parallel: int = 8,
        corrections: Corrections | None = None,
    ) -> None:
        """At most `parallel` DM runs are in flight at once (the others queue), so a fan-out
        to thousands of people stays within the database's connection pool; `corrections`
        settle each closed run, as they do channel runs."""
        self._corrections = corrections
        self._slots = asyncio.Semaphore(parallel)
        self._store, self._notes, self._ledger = store, notes, ledger
        self._destinations, self._publisher, self._clock = destinations, publisher, clock
        self._owner, self._grace, self._lease, self._beat = owner, grace, lease, beat
        self.on_unreachable: Callable[[Person, str], Awaitable[None]] | None = None
        """Told the person and the reason when their DM failed for good (`DmNotices.failed`)."""
        self.on_paused: Callable[[Person, str], Awaitable[None]] | None = None
        """Told each person whose DM `pause_workspace` paused (`DmNotices.noted`: kept for their
        next `/paper`, nothing can reach them before; `resume_workspace` drops it)."""

    async def plan_all(
        self, digest_key: str | None = None, *, cadences: Iterable[Cadence] = tuple(Cadence)
    ) -> dict[Person, PersonalDigest]:
        """Every person's digest due now (cadence slot within the grace period; `digest_key`
        for instant ones), keyed by person; people with nothing new are left out."""
        now, wanted = self._clock.now(), set(cadences)
        subs, plans = await self._store.everyone(), await self._store.plans()
        keys: dict[Person, str] = {}
        for person in subs:
            plan = plans.get(person, DeliveryPlan())
            if plan.cadence in wanted and (key := self._key(plan, now, digest_key)) is not None:
                keys[person] = key
        if not keys:
            return {}
        filters = {p: _filters(subs[p]) for p in keys}
        since = min((f.since for fs in filters.values() for f in fs), default=now)
        new = await self._store.new_notes(since)
        if not new:
            return {}
        sent = await self._store.sent_to([p.key for p in keys], [n.key for n, _ in new])
        pool, digests = Candidates(new), {}
        for person, key in keys.items():
            locale = plans.get(person, DeliveryPlan()).locale
            taken = sent.get(person.key, ())
            built = build_personal_digest(
                person, key, filters[person], pool, sent=taken, locale=locale
            )
            if built is not None:
                digests[person] = built
        return digests

    def _key(self, plan: DeliveryPlan, now: datetime, instant_key: str | None) -> str | None:
        if plan.cadence is Cadence.INSTANT:
            return instant_key
        slot = plan.due_slot(now, self._grace)
        return None if slot is None else DM + slot_key(slot, ZoneInfo(plan.timezone))

    async def send_due(
        self, *, cadences: Iterable[Cadence] = (Cadence.DAILY, Cadence.WEEKLY)
    ) -> dict[Person, RunOutcome]:
        """Send every daily and weekly digest whose slot is due (a slot already sent is a
        no-op: the ledger holds one run per person and slot)."""
        return await self._send(await self.plan_all(cadences=cadences), "schedule")

    async def send_instant(self) -> dict[Person, RunOutcome]:
        """Right after an ingest: the instant people's new notes, one run per ingest."""
        key = DM + "instant:" + self._clock.now().isoformat(timespec="seconds")
        return await self._send(await self.plan_all(key, cadences=(Cadence.INSTANT,)), "instant")

    async def _send(
        self, digests: dict[Person, PersonalDigest], trigger: str
    ) -> dict[Person, RunOutcome]:
        plans = await self._store.plans() if digests else {}
        people = list(digests)
        results = await asyncio.gather(
            *(self._bounded(digests[p], plans.get(p, DeliveryPlan()), trigger) for p in people),
            return_exceptions=True,
        )
        outcomes = {}
        for person, result in zip(people, results, strict=True):
            if isinstance(result, BaseException):
                log.error("DM digest to %s failed: %r", person.key, result)
                result = RunOutcome.FAILED
            outcomes[person] = result
        return outcomes

    async def _bounded(
        self, personal: PersonalDigest, plan: DeliveryPlan, trigger: str
    ) -> RunOutcome:
        async with self._slots:
            return await self.run(personal, plan, trigger)

    async def run(
        self, personal: PersonalDigest, plan: DeliveryPlan, trigger: str = "schedule"
    ) -> RunOutcome:
        """Claim the person's run for this digest's key, take its notes, send it, close it."""
        person, key = personal.person, personal.digest.key
        if (await self._destinations.state(person.key)).paused:
            return RunOutcome.SKIPPED
        lease = await claim_leased(
            self._ledger,
            person.key,
            key,
            trigger=trigger,
            owner=self._owner,
            clock=self._clock,
            lease=self._lease,
            beat=self._beat,
        )
        if lease is None:
            return RunOutcome.ALREADY
        claim = lease.claim
        dest = person.destination(timezone=plan.timezone, locale=plan.locale)
        taken: tuple[PersonalDigest, RunSnapshot] | None = None
        parts: list[PartState] = []
        try:
            async with lease.kept():
                taken = await self._take(claim, personal)
                if taken is not None:
                    parts = await self._publisher.publish(lease, dest, taken[0].digest)
        except LeaseLostError:
            return RunOutcome.LOST
        except DeliveryError as exc:
            return await self._fail(dest, claim, exc, taken)
        except Exception as exc:  # boundary: record it, then the job wrapper logs it
            delivered = await self._delivered(dest, claim, taken)
            error = f"internal error: {exc!r}"
            await self._ledger.finish(claim, FAILED, self._clock.now(), error, delivered=delivered)
            raise
        status = SENT if taken is not None else EMPTY
        if not await self._ledger.finish(claim, status, self._clock.now()):
            return RunOutcome.LOST
        if taken is None:
            return RunOutcome.EMPTY
        await self._destinations.record_success(person.key, self._clock.now())
        log.info("sent DM digest %s to %s (%d notes)", key, person.key, len(taken[0].matched))
        await self._settle(claim, taken[1], parts)
        return RunOutcome.SENT

    async def _take(
        self, claim: RunClaim, personal: PersonalDigest
    ) -> tuple[PersonalDigest, RunSnapshot] | None:
        """The run's digest and snapshot: a resumed run is rebuilt from its snapshot (what
        matched each paper included); a new one takes its notes first (None: another run of
        this person took them all)."""
        if claim.snapshot is not None:
            digest = await rebuild_run(self._notes, claim.digest_key, claim.snapshot)
            if not claim.snapshot.matched:  # a run stored before its snapshot kept them
                return await self._explained(personal.person, digest), claim.snapshot
            why = {key: tuple(text.split(" · ")) for key, text in digest.matched}
            return PersonalDigest(personal.person, digest, why), claim.snapshot
        snapshot = _snapshot(personal)
        if await self._ledger.assign(claim, snapshot):
            return personal, snapshot
        return None

    async def _settle(self, claim: RunClaim, snapshot: RunSnapshot, parts: list[PartState]) -> None:
        """Correct what changed in the run's notes while it was being sent, as channel runs do."""
        if self._corrections is not None:
            await self._corrections.settle_closed(claim, snapshot, parts)

    async def _explained(self, person: Person, digest: Digest) -> PersonalDigest:
        """A rebuilt DM digest with each paper's matching subscriptions worked out again."""
        filters = _filters(await self._store.for_person(person))
        matched = {n.key: tuple(f.text for f in filters if f.matches(n)) for n in digest.notes}
        why = tuple((key, " · ".join(texts)) for key, texts in matched.items() if texts)
        return PersonalDigest(person, replace(digest, matched=why), matched)

    async def _fail(
        self,
        dest: Destination,
        claim: RunClaim,
        exc: DeliveryError,
        taken: tuple[PersonalDigest, RunSnapshot] | None,
    ) -> RunOutcome:
        now = self._clock.now()
        delivered = await self._delivered(dest, claim, taken)
        if not await self._ledger.finish(claim, FAILED, now, str(exc), delivered=delivered):
            return RunOutcome.LOST
        log.error("DM digest %s to %s failed: %s", claim.digest_key, dest.key, exc)
        if not exc.retryable:
            await self._destinations.record_permanent_failure(
                dest.key, str(exc), pause_after=PAUSE_AFTER, now=now, code=exc.error_code
            )
            person = _person_of_key(dest.key)
            if self.on_unreachable is not None and person is not None:
                await self.on_unreachable(person, str(exc))
        if taken is not None and delivered:
            await self._settle(claim, taken[1], await self._ledger.parts_of(claim.id))
        return RunOutcome.FAILED

    async def _delivered(
        self, dest: Destination, claim: RunClaim, taken: tuple[PersonalDigest, RunSnapshot] | None
    ) -> tuple[str, ...]:
        renderer = self._publisher.route(dest.platform).renderer
        built = taken[0].digest if taken is not None else None
        return await kept_by_failed_run(self._ledger, renderer, claim, built)

    async def pause_workspace(
        self, platform: Platform, workspace: str, reason: str, code: ErrorCode
    ) -> list[Person]:
        """The bot lost a whole workspace (Slack: the app was uninstalled, its token revoked):
        pause the DM digest of everyone subscribed there, keeping `reason` and `code`, so none
        is tried (nothing can reach them) until the workspace is back (`resume_workspace`) or
        the person asks for DMs again (`subscribe`, `subscriptions cadence`). A DM already
        paused keeps its own reason and notice. Returns the people paused now."""
        now, paused = self._clock.now(), []
        for person in await self._store.in_workspace(platform, workspace):
            if not await self._destinations.pause_running(person.key, reason, now, code=code):
                continue
            paused.append(person)
            if self.on_paused is not None:
                await self.on_paused(person, reason)
        return paused

    async def resume_workspace(
        self, platform: Platform, workspace: str, codes: Collection[str]
    ) -> list[Person]:
        """The workspace is back (Slack: the app reinstalled): resume the DM digest of each
        person there whose pause has one of `codes` (what `pause_workspace` paused), as their
        own `subscribe` would (`resume_dm`: their notice goes too, nothing is left to tell;
        the next DM brings the notes of the gap). A DM paused for another reason (the person
        cannot be DMed) stays paused, its notice kept. Returns the people resumed."""
        resumed = []
        for person in await self._store.in_workspace(platform, workspace):
            if await self._store.resume_dm(person, codes=codes):
                resumed.append(person)
        return resumed

    async def resume_stale(self) -> int:
        """Take over DM runs whose owner died mid-send (lease ran out); returns how many."""
        resumed = 0
        for dest_key, digest_key in await self._ledger.stale_runs(self._clock.now()):
            person = _person_of_key(dest_key)
            if person is None:
                continue
            plan = await self._store.plan(person) or DeliveryPlan()
            placeholder = PersonalDigest(person, Digest(key=digest_key, days=()), {})
            outcome = await self.run(placeholder, plan, "resume")  # rebuilt from its snapshot
            resumed += outcome is not RunOutcome.ALREADY
        return resumed


def _filters(subs: list[StoredSubscription]) -> list[SubscriptionFilter]:
    found = []
    for sub in subs:
        parsed = stored_filter(sub.text, sub.since)
        if parsed is None:
            log.warning("%s: stored subscription %r no longer parses", sub.person.key, sub.text)
        else:
            found.append(parsed)
    return found


def _snapshot(personal: PersonalDigest) -> RunSnapshot:
    digest = personal.digest
    return RunSnapshot(
        note_keys=tuple(n.key for n in digest.notes),
        filter_text=digest.filter_text,
        locale=digest.locale,
        layout=digest.layout,
        matched=digest.matched,
    )


def _person_of_key(dest_key: str) -> Person | None:
    """The person of a DM destination key (`platform:workspace:@user`), else None."""
    platform, _, rest = dest_key.partition(":")
    workspace, _, channel = rest.rpartition(":")
    if not channel.startswith(DM_PREFIX) or platform not in {p.value for p in Platform}:
        return None
    return Person(Platform(platform), workspace, channel[len(DM_PREFIX) :])


def personal_digests_for(
    delivery: Delivery, store: SqlSubscriptionStore, *, beat: Sleep = asyncio.sleep
) -> PersonalDigests:
    """DM digests over a process's delivery services (same ledger, publisher and owner)."""
    return PersonalDigests(
        store=store,
        notes=delivery.notes,
        ledger=delivery.ledger,
        destinations=delivery.destinations,
        publisher=delivery.publisher,
        clock=delivery.clock,
        owner=delivery.owner,
        grace=timedelta(seconds=delivery.config.misfire_grace_seconds),
        beat=beat,
        parallel=delivery.parallel,
        corrections=delivery.corrections,
    )
