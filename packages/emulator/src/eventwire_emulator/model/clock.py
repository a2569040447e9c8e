"""Injectable clocks: the model reads time and sleeps only through a `Clock`."""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """A source of wall-clock time in seconds since the epoch."""

    def now(self) -> float:
        """Return the current time in seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass on this clock."""
        ...


class SystemClock:
    """The real clock: `time.time()` and `time.sleep()`."""

    def now(self) -> float:
        """Return `time.time()`."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """Really sleep."""
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that moves only when told to; `sleep` advances it instead of blocking.

    Thread-safe.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the current manual time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (must not be negative) and return the new time."""
        if seconds < 0:
            raise ValueError(f"cannot advance a clock by a negative amount: {seconds}")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, now: float) -> None:
        """Jump to an absolute time; going backwards is allowed (arrival times stay monotonic)."""
        with self._lock:
            self._now = float(now)

    def sleep(self, seconds: float) -> None:
        """Advance the clock by `seconds` without blocking."""
        if seconds > 0:
            self.advance(seconds)
