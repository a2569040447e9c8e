"""A token bucket that tells a client's normal control traffic from a flood."""

from __future__ import annotations

import time
from collections.abc import Callable


class FloodGuard:
    """Allows `burst` events at once and `rate` a second after; not thread-safe.

    HTTP/2 lets a client make the server work without sending a request (SETTINGS
    and PING need answers, a reset stream may already be running); current servers
    end such connections with ENHANCE_YOUR_CALM, and so do we.
    """

    def __init__(
        self, burst: int, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst = float(burst)
        self._rate = rate
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def allow(self, cost: float = 1.0) -> bool:
        """Take `cost` tokens; False once the client has spent more than it earned."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        self._tokens -= cost
        return self._tokens >= 0
