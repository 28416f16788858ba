"""The Publisher: the only code that sends a digest. Claim → pace → post → record, per part."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.delivery.drain import Drain
from bot.delivery.lease import RunLease
from bot.delivery.pacing import Pacer, Sleep
from bot.delivery.policy import RetryPolicy, as_delivery_error
from bot.errors import DeliveryError
from bot.metrics import NullMetrics
from bot.models import Destination, Digest, ErrorCode, MessageRef, Platform
from bot.ports import Advise, Clock, Metrics, Renderer, Transport
from bot.replies import Text
from bot.store.deliveries import PartState, SqlDeliveryLedger

__all__ = ["Publisher", "Route", "notes_of", "payload_hash"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Route:
    """How one platform's digests are rendered and sent, and what its error codes advise."""

    renderer: Renderer[Any]
    transport: Transport[Any]
    advise: Advise | None = None


def payload_hash(payload: Any) -> str:
    """A stable hash of a payload's JSON: tells a changed message from an unchanged one."""
    body = json.dumps(payload.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def notes_of(payload: Any) -> tuple[str, ...]:
    """The keys of the notes whose entry a payload holds, as its renderer reported them (none
    for a payload type that does not report them: then no message delivers any note)."""
    return tuple(getattr(payload, "notes", ()))


def _nonce(dest: Destination, digest_key: str, part_no: int) -> str:
    raw = f"{dest.key}|{digest_key}|{part_no}".encode()
    return hashlib.sha256(raw).hexdigest()[:25]  # Discord nonces are at most 25 characters


class Publisher:
    """Sends each part at most once per ledger row; retries retryable errors in this task only.

    Parts of one destination go out in order, one at a time, so a crash can leave at most one
    message per destination sent but unrecorded. Every send starts only while the run's lease
    holds, and a lost lease stops the run before its next send; so does a closed `drain` (the
    process stops), which hands the run back.
    """

    def __init__(
        self,
        *,
        ledger: SqlDeliveryLedger,
        routes: Mapping[Platform, Route],
        pacer: Pacer,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Sleep,
        metrics: Metrics | None = None,
        drain: Drain | None = None,
    ) -> None:
        """`metrics` count retries and Retry-After waits."""
        self._ledger, self._routes, self._pacer = ledger, routes, pacer
        self._policy, self._clock, self._sleep = policy, clock, sleep
        self._metrics: Metrics = metrics or NullMetrics()
        self.drain = drain or Drain()

    def route(self, platform: Platform) -> Route:
        """The renderer and transport of a platform."""
        try:
            return self._routes[platform]
        except KeyError:
            raise DeliveryError(f"no transport for {platform.value}", retryable=False) from None

    def advice(self, destination: Destination, code: ErrorCode) -> Text | None:
        """What `destination`'s platform says to do about its error `code` (None: no advice,
        or no route for that platform here)."""
        route = self._routes.get(destination.platform)
        if route is None or route.advise is None:
            return None
        return route.advise(destination, code)

    async def publish(self, lease: RunLease, dest: Destination, digest: Digest) -> list[PartState]:
        """Post the digest's parts not yet sent; replies go in the thread of part 0.

        Returns every part as the ledger now holds it (each with its reference and the hash
        of what it shows: this render's for the parts sent now).

        Raises:
            LeaseLostError: another claim took the run over; this one sent nothing after that.
            HandedBackError: the drain closed; the run was handed back before its next send.
        """
        route = self.route(dest.platform)
        run = lease.claim
        parts: list[PartState] = []
        parent: MessageRef | None = None
        for part_no, payload in enumerate(route.renderer.render_digest(digest)):
            content_hash = payload_hash(payload)
            notes = notes_of(payload)
            state = await self._ledger.claim_part(
                run.id, dest, run.digest_key, part_no, content_hash, self._clock.now(), notes=notes
            )
            if state.ref is None:
                ref = await self._send(route, lease, dest, payload, state, parent, content_hash)
                state = PartState(state.id, part_no, ref, content_hash, notes)
            parent = parent or state.ref
            parts.append(state)
        return parts

    async def _send(
        self,
        route: Route,
        lease: RunLease,
        dest: Destination,
        payload: Any,
        state: PartState,
        parent: MessageRef | None,
        content_hash: str,
    ) -> MessageRef:
        thread = parent if getattr(payload, "thread", False) else None
        nonce = _nonce(dest, lease.claim.digest_key, state.part_no)
        attempt = 0
        while True:
            attempt += 1
            waited = await self.drain.wait_unless_closed(self._pacer.wait_turn(dest))
            await lease.ensure()  # the fence: no send starts without the lease
            if not waited or self.drain.closed:
                raise await lease.hand_back()
            async with self.drain.sending():  # a stop lets the send and its record finish
                try:
                    ref = await route.transport.post(dest, payload, thread=thread, nonce=nonce)
                except Exception as exc:
                    error = as_delivery_error(exc)
                    if error is None:
                        raise
                    await self._ledger.note_attempt(state.id, str(error))
                else:
                    await self._record(lease, state, ref, content_hash, notes_of(payload))
                    return ref
            await self._after_failure(lease, dest, state, attempt, error)

    async def _record(
        self,
        lease: RunLease,
        state: PartState,
        ref: MessageRef,
        content_hash: str,
        notes: tuple[str, ...],
    ) -> None:
        """The part went out: record it and the notes it holds, fenced by the run's lease
        (renewed by the write)."""
        until = lease.until()
        if not await self._ledger.mark_sent(
            state.id,
            ref,
            self._clock.now(),
            run=lease.claim,
            until=until,
            content_hash=content_hash,
            notes=notes,
        ):
            raise lease.refused()
        lease.renewed(until)

    async def _after_failure(
        self,
        lease: RunLease,
        dest: Destination,
        state: PartState,
        attempt: int,
        error: DeliveryError,
    ) -> None:
        """Wait (the heartbeat keeps the lease; a closed drain ends the wait) or give up by
        raising; the attempt is recorded already."""
        if not self._policy.should_retry(attempt, error):
            raise error
        delay = self._policy.delay(attempt, error)
        log.warning(
            "send failed (attempt %d) to %s for %s part %d: %s; retrying in %.1fs",
            attempt,
            dest.key,
            lease.claim.digest_key,
            state.part_no,
            error,
            delay,
        )
        platform = dest.platform.value
        self._metrics.inc("paperbot_send_retries_total", platform=platform)
        if error.retry_after is not None:
            self._metrics.observe("paperbot_retry_after_seconds", delay, platform=platform)
            self._pacer.hold_workspace(dest, delay)
        else:
            await self.drain.wait_unless_closed(self._sleep(delay))
