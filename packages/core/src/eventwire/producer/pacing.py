"""Per-shard pacing: token buckets at the write quotas that back off when throttled."""

from __future__ import annotations

SHARD_RECORDS_PER_SECOND = 1000
"""Kinesis's write quota per shard: records per second."""

SHARD_BYTES_PER_SECOND = 1024 * 1024
"""Kinesis's write quota per shard: bytes (data plus partition key) per second."""


class TokenBucket:
    """Tokens refill at ``rate`` per second up to ``capacity``; not thread-safe.

    A cost larger than the capacity is allowed once the bucket is full and
    leaves it in debt, so one large record never waits forever. After
    ``throttled`` the rate halves and then climbs back linearly, reaching its
    ceiling again after ``1 / recovery`` seconds from the floor.

    Over any interval of length T the bucket admits at most
    ``capacity + rate * T``; the producer picks capacity and rate so that this
    stays under the quota for T = 1 s, the window Kinesis measures.
    """

    __slots__ = ("_ceiling", "_floor", "_recovery", "_updated", "capacity", "rate", "tokens")

    def __init__(self, rate: float, capacity: float, now: float, recovery: float = 0.2) -> None:
        self._ceiling = rate
        self._floor = rate / 20
        self._recovery = rate * recovery
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self._updated = now

    def _refill(self, now: float) -> None:
        elapsed = now - self._updated
        if elapsed <= 0:
            return
        self._updated = now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        if self.rate < self._ceiling:
            self.rate = min(self._ceiling, self.rate + elapsed * self._recovery)

    def allows(self, cost: float, now: float) -> bool:
        """Whether ``cost`` tokens can be spent at ``now``."""
        self._refill(now)
        return self.tokens >= min(cost, self.capacity)

    def spend(self, cost: float) -> None:
        """Take ``cost`` tokens (after ``allows`` said yes)."""
        self.tokens -= cost

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until ``allows(cost)`` turns true."""
        self._refill(now)
        missing = min(cost, self.capacity) - self.tokens
        return max(0.0, missing / self.rate)

    def throttled(self, now: float) -> None:
        """The service throttled: empty the bucket and halve the rate (not below 1/20th)."""
        self._refill(now)
        self.tokens = min(self.tokens, 0.0)
        self.rate = max(self._floor, self.rate / 2)


class ShardPacer:
    """A shard's two buckets, records and bytes, plus a pause after errors; not thread-safe."""

    __slots__ = ("bytes", "paused_until", "records", "retry_delay")

    def __init__(self, now: float, utilization: float) -> None:
        # rate + capacity == quota, so no one-second window can exceed the quota.
        self.records = TokenBucket(
            SHARD_RECORDS_PER_SECOND * utilization,
            SHARD_RECORDS_PER_SECOND * (1 - utilization),
            now,
        )
        self.bytes = TokenBucket(
            SHARD_BYTES_PER_SECOND * utilization, SHARD_BYTES_PER_SECOND * (1 - utilization), now
        )
        self.paused_until = 0.0
        self.retry_delay = 0.0

    def allows(self, size: int, now: float) -> bool:
        """Whether a record of ``size`` bytes may be sent to the shard at ``now``."""
        return (
            now >= self.paused_until
            and self.records.allows(1, now)
            and self.bytes.allows(size, now)
        )

    def spend(self, size: int) -> None:
        """Account for one record of ``size`` bytes sent."""
        self.records.spend(1)
        self.bytes.spend(size)

    def room(self, now: float) -> float:
        """Bytes one more record may carry at ``now`` (0 while paused or out of records)."""
        if now < self.paused_until or not self.records.allows(1, now):
            return 0.0
        self.bytes.allows(0, now)  # refills
        return self.bytes.tokens

    def wait_for(self, size: int, now: float) -> float:
        """Seconds until a record of ``size`` bytes may be sent."""
        return max(
            self.paused_until - now,
            self.records.wait_for(1, now),
            self.bytes.wait_for(size, now),
        )

    def throttled(self, now: float) -> None:
        """The shard was throttled: slow both buckets down."""
        self.records.throttled(now)
        self.bytes.throttled(now)

    def failed(self, now: float, base: float, cap: float) -> None:
        """A retryable error: pause the shard, doubling the pause on each failure in a row."""
        self.retry_delay = min(cap, self.retry_delay * 2 if self.retry_delay else base)
        self.paused_until = now + self.retry_delay

    def succeeded(self) -> None:
        """A delivery went through: errors are no longer in a row."""
        self.retry_delay = 0.0
