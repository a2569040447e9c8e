"""Per-shard pacing: a sliding one-second window at the write quotas, smoothed by a bucket.

Kinesis admits a shard's writes while those of the last second stay within
1,000 records and 1 MiB. A pacer keeps its own window of what it sent, and
counts a request's records from the moment it is sent until one second after
its answer arrived: whenever the service admitted them, that was between the
two, so the service's window never holds more than the pacer's, whatever the
latency (clocks of the same rate assumed). Sending late loses nothing (the
window only counts what was sent), which a token bucket alone cannot offer.
A token bucket on top spreads the sending over the second; it holds a few
tenths of a second, so a sender held up (a garbage-collector pause, a slow
answer) catches up afterwards, still within the window. A busy shard gets a
new request once a twentieth of a second's quota is ready, so requests are
few and full.

Large records: a shard bursts to take a record of up to 10 MiB and then
repays it, refilling continuously at 1 MiB/s ("Handle large records",
https://docs.aws.amazon.com/streams/latest/dev/large-records.html). The byte
bucket models that burst the same way: a record larger than the bucket goes
once the bucket is full (and the window is empty) and leaves it in debt, so
nothing more goes to the shard until the debt is repaid at the quota's rate.
The service's bucket holds a whole second's quota and this one less, so
when this one is full again the service's is too.
"""

from __future__ import annotations

from collections import deque

from eventwire.limits import SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND

BURST = 0.3
"""The smoothing bucket holds this fraction of a second's quota."""

STEP = 0.05
"""A busy shard waits for this fraction of a second's quota before its next request."""

_NEVER = 1.0
"""Wait this long when only an answer can make room (the answer wakes the sender anyway)."""


class TokenBucket:
    """Tokens refill at ``rate`` per second up to ``capacity``; not thread-safe.

    A cost larger than the capacity is allowed once the bucket is full and
    leaves it in debt (a large record's burst, repaid at ``rate``), so one
    large record never waits forever.
    """

    __slots__ = ("_updated", "capacity", "rate", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self._updated = now

    def refill(self, now: float) -> float:
        """Top the bucket up to ``now``; return the tokens it holds."""
        elapsed = now - self._updated
        if elapsed > 0:
            self._updated = now
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        return self.tokens

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` tokens (at most the capacity) are there."""
        missing = min(cost, self.capacity) - self.refill(now)
        return max(0.0, missing / self.rate)


class WriteWindow:
    """What was sent to a shard and still counts against its one-second window; not thread-safe.

    Sent records count as in flight until their answer; then they count until
    one second after it.
    """

    __slots__ = ("_landed", "bytes", "flying_bytes", "flying_records", "records")

    def __init__(self) -> None:
        self._landed: deque[tuple[float, int, int]] = deque()
        self.records = 0  # in the window, flying included
        self.bytes = 0
        self.flying_records = 0
        self.flying_bytes = 0

    def slide(self, now: float) -> None:
        """Forget what was answered one second or more before ``now``."""
        landed = self._landed
        horizon = now - 1.0
        while landed and landed[0][0] <= horizon:
            _, records, nbytes = landed.popleft()
            self.records -= records
            self.bytes -= nbytes

    def sent(self, records: int, nbytes: int) -> None:
        """Records left for the shard."""
        self.records += records
        self.bytes += nbytes
        self.flying_records += records
        self.flying_bytes += nbytes

    def landed(self, records: int, nbytes: int, now: float, admitted: bool = True) -> None:
        """The answer for records sent earlier arrived at ``now``.

        Records the service refused (``admitted`` false) leave the window at once:
        they took none of its quota, and their retry should not wait for them.
        """
        self.flying_records -= records
        self.flying_bytes -= nbytes
        if not admitted:
            self.records -= records
            self.bytes -= nbytes
            return
        landed = self._landed
        if landed and landed[-1][0] == now:
            _, old_records, old_bytes = landed[-1]
            landed[-1] = (now, old_records + records, old_bytes + nbytes)
        else:
            landed.append((now, records, nbytes))

    def wait_for(
        self, records: float, nbytes: float, limit_records: float, limit_bytes: float, now: float
    ) -> float:
        """Seconds until ``records`` and ``nbytes`` more fit the limits (answers aside)."""
        over_records = self.records + records - limit_records
        over_bytes = self.bytes + nbytes - limit_bytes
        if over_records <= 0 and over_bytes <= 0:
            return 0.0
        for stamp, freed_records, freed_bytes in self._landed:
            over_records -= freed_records
            over_bytes -= freed_bytes
            if over_records <= 0 and over_bytes <= 0:
                return max(0.0, stamp + 1.0 - now)
        return _NEVER


class ShardPacer:
    """A shard's write window and smoothing buckets, plus a pause after errors; not thread-safe.

    The window admits ``utilization`` of the quota; throttling halves that
    (down to a twentieth), and it climbs back to the full ``utilization``
    within five seconds.
    """

    __slots__ = (
        "_factor",
        "_throttling",
        "_updated",
        "bytes",
        "limit_bytes",
        "limit_records",
        "paused_until",
        "records",
        "retry_delay",
        "utilization",
        "window",
    )

    def __init__(self, now: float, utilization: float) -> None:
        self.utilization = utilization
        self.records = TokenBucket(
            SHARD_WRITE_RECORDS_PER_SECOND * utilization,
            SHARD_WRITE_RECORDS_PER_SECOND * BURST,
            now,
        )
        self.bytes = TokenBucket(
            SHARD_WRITE_BYTES_PER_SECOND * utilization, SHARD_WRITE_BYTES_PER_SECOND * BURST, now
        )
        self.window = WriteWindow()
        self.limit_records = SHARD_WRITE_RECORDS_PER_SECOND * utilization
        self.limit_bytes = SHARD_WRITE_BYTES_PER_SECOND * utilization
        self.paused_until = 0.0
        self.retry_delay = 0.0
        self._factor = 1.0
        self._throttling = 0.0  # share of recent entries throttled, over about 100 entries
        self._updated = now

    def _update(self, now: float) -> None:
        if self._factor < 1.0 and now > self._updated:
            self._set_factor(min(1.0, self._factor + (now - self._updated) * 0.2))
        self._updated = max(self._updated, now)
        self.window.slide(now)

    def _set_factor(self, factor: float) -> None:
        self._factor = factor
        share = self.utilization * factor
        self.limit_records = SHARD_WRITE_RECORDS_PER_SECOND * share
        self.limit_bytes = SHARD_WRITE_BYTES_PER_SECOND * share
        self.records.rate = SHARD_WRITE_RECORDS_PER_SECOND * share
        self.bytes.rate = SHARD_WRITE_BYTES_PER_SECOND * share

    def room(self, now: float) -> float:
        """Bytes one more record may carry at ``now`` (0 while paused or out of records)."""
        self._update(now)
        window = self.window
        if (
            now < self.paused_until
            or self.records.refill(now) < 1
            or window.records + 1 > self.limit_records
        ):
            return 0.0
        return max(0.0, min(self.bytes.refill(now), self.limit_bytes - window.bytes))

    def allows(self, size: int, now: float) -> bool:
        """Whether a record of ``size`` bytes may be sent to the shard at ``now``.

        A record larger than the smoothing bucket needs a full bucket; one larger
        than the window's limit needs an empty window.
        """
        self._update(now)
        window = self.window
        return (
            now >= self.paused_until
            and self.records.refill(now) >= 1
            and self.bytes.refill(now) >= min(size, self.bytes.capacity)
            and window.records + 1 <= self.limit_records
            and (window.bytes + size <= self.limit_bytes or window.bytes == 0)
        )

    def _wants(self, records: int, nbytes: int, head: int) -> tuple[float, float, float]:
        """Records and bytes the bucket should hold, and bytes the window should have room for.

        The bucket: a step of the quota or all that is queued (``records`` of
        ``nbytes`` in all), and at least the ``head`` record (one larger than the
        bucket needs a full bucket). The window: the head record (one larger than
        the window's limit needs an empty window). The window frees room in the
        chunks it was filled with, so waiting for more would leave a gap unused.
        """
        want_records = max(1.0, min(records, SHARD_WRITE_RECORDS_PER_SECOND * STEP))
        step = min(nbytes, SHARD_WRITE_BYTES_PER_SECOND * STEP)
        want_bytes = max(step, min(head, self.bytes.capacity))
        return want_records, want_bytes, min(head, self.limit_bytes)

    def ready(self, records: int, nbytes: int, head: int, now: float) -> bool:
        """Whether the shard should get a request now, for a queue of ``records`` and ``nbytes``.

        It should once its bucket holds a step of its quota, or all that is
        queued, so a busy shard gets fewer, fuller requests, and its window has
        room for the ``head`` record (that many bytes).
        """
        want_records, want_bytes, window_bytes = self._wants(records, nbytes, head)
        self._update(now)
        window = self.window
        return (
            now >= self.paused_until
            and self.records.refill(now) >= want_records
            and self.bytes.refill(now) >= want_bytes
            and window.records + 1 <= self.limit_records
            and window.bytes + window_bytes <= self.limit_bytes
        )

    def bucket_bytes(self, now: float) -> float:
        """Bytes the smoothing bucket holds at ``now``."""
        return self.bytes.refill(now)

    def spend(self, size: int) -> None:
        """Account for one record of ``size`` bytes sent."""
        self.records.tokens -= 1
        self.bytes.tokens -= size
        self.window.sent(1, size)

    def landed(self, records: int, nbytes: int, now: float, admitted: bool = True) -> None:
        """The answer for ``records`` sent earlier (``nbytes`` in all) arrived at ``now``.

        Records the service refused took none of its quota: they leave the
        window and their tokens go back, so their retry costs what it should.
        """
        self.window.landed(records, nbytes, now, admitted)
        if not admitted:
            self.records.tokens = min(self.records.capacity, self.records.tokens + records)
            self.bytes.tokens = min(self.bytes.capacity, self.bytes.tokens + nbytes)

    def wait_for(self, records: int, nbytes: int, head: int, now: float) -> float:
        """Seconds until ``ready`` may turn true (an answer may make room sooner)."""
        want_records, want_bytes, window_bytes = self._wants(records, nbytes, head)
        self._update(now)
        return max(
            self.paused_until - now,
            self.records.wait_for(want_records, now),
            self.bytes.wait_for(want_bytes, now),
            self.window.wait_for(1, window_bytes, self.limit_records, self.limit_bytes, now),
        )

    def answered(self, records: int, throttled: int, now: float) -> None:
        """``throttled`` of the ``records`` of a request's answer for this shard were throttled.

        The shard slows down once about a quarter of its recent entries (some
        hundred) were throttled: a shard over its quota throttles most of a
        request, while a stray throttled entry (another writer's burst, a hot
        partition for a moment) is only retried, without holding the shard back.
        """
        if records <= 0:
            return
        weight = min(1.0, records / 100)
        self._throttling += weight * (throttled / records - self._throttling)
        if self._throttling >= 0.25:
            self._throttling = 0.0  # the evidence is spent on this slowdown
            self.throttled(now)

    def throttled(self, now: float) -> None:
        """The shard was throttled: empty the buckets and halve the rate (not below 1/20th)."""
        self._update(now)
        self.records.tokens = min(self.records.tokens, 0.0)
        self.bytes.tokens = min(self.bytes.tokens, 0.0)
        self._set_factor(max(0.05, self._factor / 2))

    def failed(self, now: float, base: float, cap: float) -> None:
        """A retryable error: pause the shard, doubling the pause on each failure in a row."""
        self.retry_delay = min(cap, self.retry_delay * 2 if self.retry_delay else base)
        self.paused_until = now + self.retry_delay

    def succeeded(self) -> None:
        """A delivery went through: errors are no longer in a row."""
        self.retry_delay = 0.0
