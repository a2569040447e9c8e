"""``ProducerFuture``: a ``concurrent.futures.Future`` that shares its producer's condition.

A stock ``Future`` builds its own ``threading.Condition`` (a lock, a deque and
five bound methods): at a hundred thousand buffered records that is most of the
producer's allocations and, through the garbage collector, most of its CPU.
A producer's futures share one condition instead. The stock ``result`` and
``exception`` treat any wake-up as the end of the wait, which a shared
condition would turn into spurious timeouts, so those two wait in a loop.
Everything else is the stock ``Future``, so ``concurrent.futures.wait`` and
``as_completed`` work unchanged.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

T = TypeVar("T")

# Future's initial state, read from a stock instance rather than its private module.
_PENDING = Future()._state


class ProducerFuture(Future[T]):
    """A future whose waits go through ``condition``, shared with its siblings; thread-safe."""

    def __init__(self, condition: threading.Condition) -> None:
        # The same attributes Future.__init__ sets, with the condition given, not built.
        self._condition = condition
        self._state = _PENDING
        self._result = None
        self._exception = None
        self._waiters = []
        self._done_callbacks: list[Callable[[Future[T]], object]] = []

    def _wait(self, timeout: float | None) -> None:
        with self._condition:
            self._condition.wait_for(self.done, timeout)

    def result(self, timeout: float | None = None) -> T:
        """The result, waiting up to ``timeout`` seconds (None: no limit)."""
        self._wait(timeout)
        return super().result(0)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The exception, waiting up to ``timeout`` seconds (None: no limit)."""
        self._wait(timeout)
        return super().exception(0)
