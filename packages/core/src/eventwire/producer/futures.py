"""``ProducerFuture``: a ``concurrent.futures.Future`` that shares its producer's condition.

A stock ``Future`` builds its own ``threading.Condition`` (a lock, a deque and
five bound methods) and two lists: at a hundred thousand buffered records those
are most of the producer's allocations and, through the garbage collector, most
of its CPU. What a buffered record keeps alive for a second or more ends up in
the oldest generation, whose collections stop every thread, senders included,
for a tenth of a second or more (time in which a shard's freed quota goes
unused), and take longer the more such objects there are. So a producer's
futures share one condition, and build their waiter and callback lists only
when something asks for them (``wait``, ``as_completed``,
``add_done_callback``, a stock ``set_result``). The stock
``result`` and ``exception`` treat any wake-up as the end of the wait, which a
shared condition would turn into spurious timeouts, so those two wait in a
loop. Everything else is the stock ``Future``, so ``concurrent.futures.wait``
and ``as_completed`` work unchanged. ``resolve_all`` settles a request's worth
of futures under one hold of the shared condition, as ``set_result`` would one
by one.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable
    from concurrent.futures._base import _Waiter

T = TypeVar("T")

_LOGGER = logging.getLogger("concurrent.futures")  # where Future logs a failing callback


def _states() -> tuple[str, str, str]:
    """Future's pending, running and finished states, read from stock instances.

    Read rather than imported from ``concurrent.futures._base``, a private module.
    """
    running: Future[None] = Future()
    running.set_running_or_notify_cancel()
    finished: Future[None] = Future()
    finished.set_result(None)
    return Future()._state, running._state, finished._state


_PENDING, _RUNNING, _FINISHED = _states()


class ProducerFuture(Future[T]):
    """A future whose waits go through ``condition``, shared with its siblings; thread-safe."""

    # Until first read, a future holds no lists: class-level None stands in.
    _waiter_list: list[_Waiter] | None = None
    _callback_list: list[Callable[[Future[T]], object]] | None = None

    def __init__(self, condition: threading.Condition) -> None:
        # The attributes Future.__init__ sets, with the condition given, not built,
        # and the two lists left to the properties below.
        self._condition = condition
        self._state = _PENDING
        self._result = None
        self._exception = None

    @property
    def _waiters(self) -> list[_Waiter]:
        waiters = self._waiter_list
        if waiters is None:
            waiters = self._waiter_list = []
        return waiters

    @_waiters.setter
    def _waiters(self, waiters: list[_Waiter]) -> None:
        self._waiter_list = waiters

    @property
    def _done_callbacks(self) -> list[Callable[[Future[T]], object]]:
        callbacks = self._callback_list
        if callbacks is None:
            callbacks = self._callback_list = []
        return callbacks

    @_done_callbacks.setter
    def _done_callbacks(self, callbacks: list[Callable[[Future[T]], object]]) -> None:
        self._callback_list = callbacks

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


def resolve_all(
    condition: threading.Condition, outcomes: Iterable[tuple[ProducerFuture[T], T]]
) -> None:
    """Set each future's result, as ``set_result`` would, under one hold of ``condition``.

    Every future must be built on ``condition``. A future already done (one its
    caller cancelled) keeps its state, as ``set_result`` would refuse it. Done
    callbacks run afterwards, outside the condition, in order, as
    ``set_result`` runs them; waiters of ``wait`` and ``as_completed`` are told
    under it, as ``set_result`` tells them.
    """
    called: list[ProducerFuture[T]] = []
    unset = (_PENDING, _RUNNING)
    with condition:
        for future, result in outcomes:
            if future._state not in unset:
                continue
            future._result = result
            future._state = _FINISHED
            if future._waiter_list:
                for waiter in future._waiter_list:
                    waiter.add_result(future)
            if future._callback_list:
                called.append(future)
        condition.notify_all()
    for future in called:
        for callback in future._done_callbacks:
            try:
                callback(future)
            except Exception:  # as Future does: a failing callback must not stop the rest
                _LOGGER.exception("exception calling callback for %r", future)
