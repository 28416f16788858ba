"""A transport that records what was sent and fails on command or at a seeded random rate.

A gate (`hold_next`) makes the next post to a channel block until the test releases it: an
owner slowed down mid-send, at the protocol edge.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import DeliveryError
from bot.models import Destination, MessageRef
from bot.ports import Clock

RETRYABLE_KINDS = ("429", "500", "timeout", "connection")


def make_error(kind: str) -> Exception:
    """The failure a real transport would raise for `kind`."""
    if kind == "429" or kind.startswith("429:"):  # "429:7.5": Retry-After 7.5 s
        retry_after = float(kind.partition(":")[2] or 2.0)
        return DeliveryError("ratelimited", retryable=True, retry_after=retry_after)
    if kind == "500":
        return DeliveryError("HTTP 503", retryable=True)
    if kind == "timeout":
        return TimeoutError("read timed out")
    if kind == "connection":
        return ConnectionResetError("connection reset")
    if kind == "bug":
        return ValueError("a bug in a transport")
    if kind == "permission":
        return PermissionError(13, "Permission denied", "/var/run/paperbot.sock")
    return DeliveryError(kind, retryable=False)  # e.g. "channel_not_found"


@dataclass
class Sent:
    """One successful post."""

    destination: str
    text: str
    thread: str | None
    ref: MessageRef
    nonce: str | None
    at: datetime | None = None


class Gate:
    """A post held at the transport until `release` (or `release("timeout")` to fail it)."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self._go: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def release(self, fail: str | None = None) -> None:
        """Let the post go through, or fail it with a `make_error` kind."""
        self._go.set_result(fail)

    async def passed(self) -> str | None:
        self.entered.set()
        return await self._go


@dataclass
class RecordingTransport:
    """Records posts and edits; `fail_next` queues failures, `fail_rate` fails at random.

    With a `clock`, each post records when it was accepted; `latency` slows every post down.
    """

    fail_rate: float = 0.0
    seed: int = 0
    clock: Clock | None = None
    latency: float = 0.0  # real seconds per post: a slow platform
    sent: list[Sent] = field(default_factory=list)
    edits: list[tuple[MessageRef, str]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    _queued: dict[str, list[str]] = field(default_factory=dict)
    _always: dict[str, str] = field(default_factory=dict)
    _gates: dict[str, list[Gate | None]] = field(default_factory=dict)
    _counter: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def fail_next(self, dest_key: str, *kinds: str) -> None:
        """The next sends to `dest_key` fail with these kinds, in order."""
        self._queued.setdefault(dest_key, []).extend(kinds)

    def fail_always(self, dest_key: str, kind: str) -> None:
        """Every send to `dest_key` fails with `kind` until `heal` is called."""
        self._always[dest_key] = kind

    def heal(self, dest_key: str) -> None:
        self._always.pop(dest_key, None)

    def hold_next(self, dest_key: str, *, skip: int = 0) -> Gate:
        """The next post to `dest_key` (after `skip` others) waits at the gate until released."""
        gate = Gate()
        self._gates[dest_key] = [None] * skip + [gate]
        return gate

    def _failure(self, dest_key: str) -> str | None:
        if queued := self._queued.get(dest_key):
            return queued.pop(0)
        if dest_key in self._always:
            return self._always[dest_key]
        if self.fail_rate and self._rng.random() < self.fail_rate:
            return self._rng.choice(RETRYABLE_KINDS)
        return None

    async def post(
        self,
        destination: Destination,
        payload: Any,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        if self.latency:
            await asyncio.sleep(self.latency)
        gates = self._gates.get(destination.key)
        gate = gates.pop(0) if gates else None
        if gate is not None and (kind := await gate.passed()) is not None:
            self.failures[kind] += 1
            raise make_error(kind)
        if (kind := self._failure(destination.key)) is not None:
            self.failures[kind] += 1
            raise make_error(kind)
        self._counter += 1
        ref = MessageRef(
            destination.platform, destination.workspace, destination.channel, f"m{self._counter}"
        )
        at = None if self.clock is None else self.clock.now()
        thread_id = thread and thread.message_id
        self.sent.append(Sent(destination.key, payload.plain, thread_id, ref, nonce, at))
        return ref

    async def edit(self, ref: MessageRef, payload: Any) -> None:
        self.edits.append((ref, payload.plain))

    def texts(self, dest_key: str | None = None) -> list[str]:
        return [s.text for s in self.sent if dest_key is None or s.destination == dest_key]
