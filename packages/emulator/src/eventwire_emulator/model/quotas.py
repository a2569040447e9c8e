"""Per-shard throughput quotas measured on the model's clock.

Writes use two continuously refilling buckets per shard: 1,000 records and
1 MiB, refilled at that much per second. A record is admitted while its
bucket holds at least its size (a record larger than the bucket needs a
full one) and may leave the byte bucket in debt, down to minus 9 MiB: so a
shard accepts a record of up to 10 MiB at once and then throttles until the
debt is repaid, averaging 1 MiB/s. This is how the Kinesis developer guide
describes large records ("Handle large records",
https://docs.aws.amazon.com/streams/latest/dev/large-records.html): the
stream "accommodates large records by temporarily bursting beyond its
sustained write throughput, then returning to its baseline rate over time",
and the burst capacity "is continuously replenished", a tank refilling at a
steady rate that a large record temporarily depletes. Reads allow 5 calls in
any one-second window; read bytes use a 2 MiB/s bucket that may go into debt
in the same way. `CallWindow` counts calls for any limit and window length;
the control-plane call rates (`call_rates`) are built on it too.
"""

from __future__ import annotations

from collections import deque

from eventwire_emulator.model.limits import WRITE_BYTES_PER_SECOND, WRITE_RECORDS_PER_SECOND

READ_CALLS_PER_SECOND = 5
READ_BYTES_PER_SECOND = 2 * 1024 * 1024


class WriteQuota:
    """A shard's write buckets: records and bytes, refilled continuously; not thread-safe."""

    __slots__ = ("_bytes", "_records", "_updated")

    def __init__(self, now: float | None = None) -> None:
        self._records = float(WRITE_RECORDS_PER_SECOND)
        self._bytes = float(WRITE_BYTES_PER_SECOND)
        self._updated = now

    def admit(self, now: float, size: int) -> bool:
        """Admit one record of `size` bytes at `now` if the buckets allow it."""
        updated = self._updated
        if updated is None or now > updated:
            if updated is not None:
                elapsed = now - updated
                self._records = min(
                    float(WRITE_RECORDS_PER_SECOND),
                    self._records + elapsed * WRITE_RECORDS_PER_SECOND,
                )
                self._bytes = min(
                    float(WRITE_BYTES_PER_SECOND), self._bytes + elapsed * WRITE_BYTES_PER_SECOND
                )
            self._updated = now
        # A record above a full bucket's worth needs a full bucket, then borrows the rest.
        if self._records < 1 or self._bytes < min(size, WRITE_BYTES_PER_SECOND):
            return False
        self._records -= 1
        self._bytes -= size
        return True


WriteWindow = WriteQuota
"""The name the stream model knows a shard's write quota by."""


class CallWindow:
    """Times of the calls admitted in a sliding window of `seconds`; not thread-safe.

    A call at `now` is admitted if fewer than `limit` admitted calls lie in the
    half-open window (now - seconds, now].
    """

    __slots__ = ("_times", "limit", "seconds")

    def __init__(self, limit: int, seconds: float = 1.0) -> None:
        self._times: deque[float] = deque()
        self.limit = limit
        self.seconds = seconds

    def _slide(self, now: float) -> None:
        times = self._times
        horizon = now - self.seconds
        while times and times[0] <= horizon:
            times.popleft()

    def has_room(self, now: float) -> bool:
        """Whether a call at `now` would be admitted (nothing is counted)."""
        self._slide(now)
        return len(self._times) < self.limit

    def record(self, now: float) -> None:
        """Count a call at `now`; callers check `has_room` first."""
        self._times.append(now)

    def admit(self, now: float) -> bool:
        """Count a call at `now` if there is room; return whether it was admitted."""
        if not self.has_room(now):
            return False
        self._times.append(now)
        return True

    def is_idle(self, now: float) -> bool:
        """Whether no admitted call is left in the window (the window can be forgotten)."""
        self._slide(now)
        return not self._times


class ReadQuota:
    """A shard's GetRecords call window and byte bucket; not thread-safe."""

    __slots__ = ("_calls", "_tokens", "_updated")

    def __init__(self, now: float) -> None:
        self._calls = CallWindow(READ_CALLS_PER_SECOND)
        self._tokens = float(READ_BYTES_PER_SECOND)
        self._updated = now

    def admit_call(self, now: float) -> bool:
        """Admit one GetRecords call at `now` unless the call rate or byte debt forbids it."""
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(
            float(READ_BYTES_PER_SECOND), self._tokens + elapsed * READ_BYTES_PER_SECOND
        )
        self._updated = max(self._updated, now)
        if self._tokens <= 0:
            return False
        return self._calls.admit(now)

    def charge(self, nbytes: int) -> None:
        """Take the bytes a call returned from the bucket (it may go negative)."""
        self._tokens -= nbytes
