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

    A record gets at most ``max_attempts`` sends (HTTP requests: clients
    eventwire builds make one attempt per call), and the call ends within
    ``deadline`` seconds: no request starts that its client's timeouts would
    let run past it. Before retry round ``n``
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


def fit_timeouts(connect: float, read: float, deadline: float) -> tuple[float, float]:
    """Connect and read timeouts scaled down, if need be, so one attempt fits the deadline."""
    if connect + read <= deadline or deadline <= 0:
        return connect, read
    scale = deadline / (connect + read)
    return connect * scale, read * scale


@dataclass(slots=True)
class Backoff:
    """Sleeps between retry rounds of one call, and keeps the call within its deadline.

    ``attempt_timeout`` is the longest one request can take (the client's
    connect plus read timeout); when it is known, no request starts unless it
    can end before the deadline, so the deadline bounds the call's wall time,
    time-outs included. ``sleep`` and ``clock`` are injectable so tests never
    wait for real; ``rng`` makes the jitter reproducible. Not thread-safe: one
    per call.
    """

    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    attempt_timeout: float | None = None
    started: float = 0.0
    rounds: int = 0

    def __post_init__(self) -> None:
        self.started = self.clock()

    def elapsed(self) -> float:
        """Seconds since the call started."""
        return self.clock() - self.started

    def can_retry(self, attempts: int) -> bool:
        """Whether a record sent ``attempts`` times may be sent again now."""
        return attempts < self.policy.max_attempts and self.can_send()

    def can_send(self, after: float = 0.0) -> bool:
        """Whether a request started ``after`` seconds from now would end before the deadline."""
        left = self.policy.deadline - self.elapsed() - after
        return left > 0 and (self.attempt_timeout is None or left >= self.attempt_timeout)

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.elapsed() >= self.policy.deadline

    def wait(self) -> bool:
        """Sleep before the next retry round; False (no sleep) if that round could not finish."""
        self.rounds += 1
        delay = self.rng.uniform(0.0, self.policy.cap(self.rounds))
        if not self.can_send(after=delay):
            return False
        if delay > 0:
            self.sleep(delay)
        return True

    def why_stopped(self, attempts: int) -> str:
        """Explain, for a failure message, why a record is not retried any more."""
        if attempts >= self.policy.max_attempts:
            return f"gave up after {attempts} attempt(s) (max_attempts={self.policy.max_attempts})"
        limit = ""
        if self.attempt_timeout is not None and not self.expired():
            limit = f", and another attempt could take {self.attempt_timeout:g} s"
        return (
            f"gave up after {attempts} attempt(s) and {self.elapsed():.2f} s "
            f"(retry deadline {self.policy.deadline:g} s{limit})"
        )
