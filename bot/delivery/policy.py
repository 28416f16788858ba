"""Failure policy: which send errors are retried, and how long to wait before the next try."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.errors import DeliveryError

__all__ = ["RetryPolicy", "as_delivery_error"]


def as_delivery_error(exc: BaseException) -> DeliveryError | None:
    """Classify an exception from a transport; None when it is not a delivery failure.

    Adapters already raise `DeliveryError` (a 5xx or 429 is retryable). Timeouts and connection
    errors that slip through are retryable too; every other error, a local `OSError` such as
    `PermissionError` or `FileNotFoundError` included, is a fault here, not the platform's.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, TimeoutError | ConnectionError):  # asyncio.TimeoutError is TimeoutError
        return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    return None


@dataclass(slots=True)
class RetryPolicy:
    """Exponential backoff with equal jitter, capped; a platform's Retry-After is obeyed exactly.

    `delay(n)` is the wait after the n-th failed attempt, in seconds.
    """

    max_attempts: int = 6
    rate_limited_attempts: int = 30
    base: float = 1.0
    cap: float = 300.0
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, attempt: int, error: DeliveryError) -> bool:
        """Retry a retryable error until `max_attempts` sends were made.

        A 429 with Retry-After is the platform pacing us, not a fault: it may be retried up to
        `rate_limited_attempts` times.
        """
        limit = self.max_attempts if error.retry_after is None else self.rate_limited_attempts
        return error.retryable and attempt < max(limit, self.max_attempts)

    def delay(self, attempt: int, error: DeliveryError) -> float:
        """Retry-After as asked, else base·2ⁿ⁻¹ (≤ cap) with half of it jittered.

        Retry-After is the platform's own schedule for the workspace, and the pacer holds every
        channel of it until then: jitter would only make them all wait longer.
        """
        if error.retry_after is not None:
            return max(0.0, error.retry_after)
        backoff = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return backoff / 2 + self.rng.uniform(0, backoff / 2)
