"""Failure policy: which send errors are retried, and how long to wait before the next try."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.errors import DeliveryError

__all__ = ["RetryPolicy", "as_delivery_error"]


def as_delivery_error(exc: BaseException) -> DeliveryError | None:
    """Classify an exception from a transport; None when it is not a delivery failure.

    Adapters already raise `DeliveryError`; timeouts and connection errors that slip through
    are retryable.
    """
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, TimeoutError | ConnectionError | OSError):
        return DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    return None


@dataclass(slots=True)
class RetryPolicy:
    """Exponential backoff with equal jitter, capped; a platform's Retry-After is honoured.

    `delay(n)` is the wait after the n-th failed attempt, in seconds.
    """

    max_attempts: int = 6
    rate_limited_attempts: int = 30
    base: float = 1.0
    cap: float = 300.0
    retry_after_jitter: float = 0.1
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, attempt: int, error: DeliveryError) -> bool:
        """Retry a retryable error until `max_attempts` sends were made.

        A 429 with Retry-After is the platform pacing us, not a fault: it may be retried up to
        `rate_limited_attempts` times.
        """
        limit = self.max_attempts if error.retry_after is None else self.rate_limited_attempts
        return error.retryable and attempt < max(limit, self.max_attempts)

    def delay(self, attempt: int, error: DeliveryError) -> float:
        """Retry-After plus up to 10% jitter, else base·2ⁿ⁻¹ (≤ cap) with half of it jittered."""
        if error.retry_after is not None:
            wait = max(0.0, error.retry_after)
            return wait * (1 + self.rng.uniform(0, self.retry_after_jitter))
        backoff = min(self.cap, self.base * 2.0 ** (attempt - 1))
        return backoff / 2 + self.rng.uniform(0, backoff / 2)
