"""Retry budget for failed records: exponential backoff with full jitter, bounded twice."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from eventwire import ConfigurationError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long a record is retried after a retryable failure.

    A record gets at most ``max_attempts`` sends, and no retry starts after
    ``deadline`` seconds from the start of the call. Before retry round ``n``
    (1, 2, ...) the backend sleeps a uniformly random time in
    ``[0, min(max_delay, base_delay * 2**(n-1))]`` ("full jitter"), which
    spreads retries from many producers instead of synchronising them.

    Attributes:
        max_attempts: sends per record, the first included (1 disables retries).
        base_delay: the backoff cap of the first retry, in seconds.
        max_delay: the largest backoff cap, in seconds.
        deadline: seconds after which failed records are no longer retried.
    """

    max_attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0
    deadline: float = 30.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise ConfigurationError(f"max_attempts={self.max_attempts!r} must be an integer")
        if self.max_attempts < 1:
            raise ConfigurationError(f"max_attempts={self.max_attempts!r} must be at least 1")
        for name in ("base_delay", "max_delay", "deadline"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigurationError(f"{name}={value!r} must be a number of seconds >= 0")

    def cap(self, retry_round: int) -> float:
        """The largest backoff before retry round ``retry_round`` (1 for the first retry)."""
        return float(min(self.max_delay, self.base_delay * 2 ** (retry_round - 1)))


@dataclass(slots=True)
class Backoff:
    """Sleeps between retry rounds of one call, within its policy's deadline.

    ``sleep`` and ``clock`` are injectable so tests never wait for real; ``rng``
    makes the jitter reproducible. Not thread-safe: one per call.
    """

    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    started: float = 0.0
    rounds: int = 0

    def __post_init__(self) -> None:
        self.started = self.clock()

    def can_retry(self, attempts: int) -> bool:
        """Whether a record sent ``attempts`` times may be sent again now."""
        return attempts < self.policy.max_attempts and not self.expired()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.clock() - self.started >= self.policy.deadline

    def wait(self) -> bool:
        """Sleep before the next retry round; False (no sleep) if that would pass the deadline."""
        self.rounds += 1
        delay = self.rng.uniform(0.0, self.policy.cap(self.rounds))
        if self.clock() - self.started + delay >= self.policy.deadline:
            return False
        if delay > 0:
            self.sleep(delay)
        return True

    def why_stopped(self, attempts: int) -> str:
        """Explain, for a failure message, why a record is not retried any more."""
        if attempts >= self.policy.max_attempts:
            return f"gave up after {attempts} attempt(s) (max_attempts={self.policy.max_attempts})"
        elapsed = self.clock() - self.started
        return (
            f"gave up after {attempts} attempt(s) and {elapsed:.2f} s "
            f"(retry deadline {self.policy.deadline:g} s)"
        )
