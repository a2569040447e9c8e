"""Clocks for the producer: it reads time and sleeps only through one, so tests can steer it."""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """A source of time in seconds; only differences between readings matter."""

    def now(self) -> float:
        """Return the current time in seconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass on this clock."""
        ...


class MonotonicClock:
    """The real clock: ``time.monotonic()`` and ``time.sleep()``."""

    def now(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Really sleep."""
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that moves only when told to; ``sleep`` advances it instead of blocking.

    Thread-safe. The emulator's ``ManualClock`` has the same shape, so a producer
    and an emulated stream can share one clock.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the current manual time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (not negative) and return the new time."""
        if seconds < 0:
            raise ValueError(f"cannot advance a clock by a negative amount: {seconds}")
        with self._lock:
            self._now += seconds
            return self._now

    def sleep(self, seconds: float) -> None:
        """Advance the clock by ``seconds`` without blocking."""
        if seconds > 0:
            self.advance(seconds)
