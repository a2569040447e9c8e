"""Per-shard throughput quotas measured on the model's clock.

Writes use a sliding one-second window: a put is admitted only if the
records and bytes admitted in the half-open window (now - 1 s, now] plus the
new ones stay within 1,000 records and 1 MiB, which is "per second" taken
literally. Reads allow 5 calls in any such window; read bytes use a 2 MiB/s
bucket that may go into debt, so one large (up to 10 MiB) read is allowed and
throttles the following calls until the debt is repaid, as AWS describes.
"""

from __future__ import annotations

from collections import deque

WRITE_RECORDS_PER_SECOND = 1000
WRITE_BYTES_PER_SECOND = 1024 * 1024
READ_CALLS_PER_SECOND = 5
READ_BYTES_PER_SECOND = 2 * 1024 * 1024


class WriteWindow:
    """Sliding one-second window of a shard's admitted writes; not thread-safe."""

    __slots__ = ("_bytes", "_events", "_records")

    def __init__(self) -> None:
        self._events: deque[list[float]] = deque()
        self._records = 0
        self._bytes = 0

    def admit(self, now: float, size: int) -> bool:
        """Admit one record of `size` bytes at `now` if the window has room."""
        events = self._events
        horizon = now - 1.0
        while events and events[0][0] <= horizon:
            _, records, nbytes = events.popleft()
            self._records -= int(records)
            self._bytes -= int(nbytes)
        if (
            self._records + 1 > WRITE_RECORDS_PER_SECOND
            or self._bytes + size > WRITE_BYTES_PER_SECOND
        ):
            return False
        self._records += 1
        self._bytes += size
        if events and events[-1][0] == now:
            events[-1][1] += 1
            events[-1][2] += size
        else:
            events.append([now, 1, size])
        return True


class ReadQuota:
    """A shard's GetRecords call window and byte bucket; not thread-safe."""

    __slots__ = ("_calls", "_tokens", "_updated")

    def __init__(self, now: float) -> None:
        self._calls: deque[float] = deque()
        self._tokens = float(READ_BYTES_PER_SECOND)
        self._updated = now

    def admit_call(self, now: float) -> bool:
        """Admit one GetRecords call at `now` unless the call rate or byte debt forbids it."""
        calls = self._calls
        horizon = now - 1.0
        while calls and calls[0] <= horizon:
            calls.popleft()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(
            float(READ_BYTES_PER_SECOND), self._tokens + elapsed * READ_BYTES_PER_SECOND
        )
        self._updated = max(self._updated, now)
        if len(calls) >= READ_CALLS_PER_SECOND or self._tokens <= 0:
            return False
        calls.append(now)
        return True

    def charge(self, nbytes: int) -> None:
        """Take the bytes a call returned from the bucket (it may go negative)."""
        self._tokens -= nbytes
