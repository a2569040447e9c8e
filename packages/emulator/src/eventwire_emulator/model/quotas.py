"""Per-shard throughput quotas measured on the model's clock.

Writes use a sliding one-second window: a put is admitted only if the
records and bytes admitted in the half-open window (now - 1 s, now] plus the
new ones stay within 1,000 records and 1 MiB, which is "per second" taken
literally. Reads allow 5 calls in any such window; read bytes use a 2 MiB/s
bucket that may go into debt, so one large (up to 10 MiB) read is allowed and
throttles the following calls until the debt is repaid, as AWS describes.
`CallWindow` counts calls the same way for any limit and window length; the
control-plane call rates (`call_rates`) are built on it too.
"""

from __future__ import annotations

from collections import deque

from eventwire_emulator.model.limits import WRITE_BYTES_PER_SECOND, WRITE_RECORDS_PER_SECOND

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
