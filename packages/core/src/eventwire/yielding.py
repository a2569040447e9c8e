"""``YieldingLock`` and ``YieldingRLock``: locks whose waiters step aside for the holder.

Publishing threads share the producer's or the spool's lock for a few
microseconds per record.
With a plain ``threading.Lock`` one preemption inside that section turns into
a convoy that does not end: a waiter blocked in the lock is handed it while it
has no GIL, so it holds the lock while it waits for the GIL, and the thread
that has the GIL then blocks on the lock. Measured with four publishing
threads into a spool: more than one context switch per record, and 80 % of
their time waiting on the lock; into a plain producer, half the publish rate
in most runs. A waiter here only ever takes the lock while it runs: it
tries, and while the lock is held gives up the GIL (a zero sleep) so the holder
can finish, and after a few tries sleeps a little so it stops competing.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

_YIELDS = 8
"""Zero sleeps before a waiter starts sleeping between tries."""
_NAP = 50e-6
"""Seconds a waiter sleeps between later tries (the kernel's timer slack is about that)."""


def _wait_for(try_lock: Callable[[bool], bool], timeout: float) -> bool:
    """Try ``try_lock`` until it succeeds or ``timeout`` passes (negative: no limit)."""
    deadline = None if timeout < 0 else time.monotonic() + timeout
    tries = 0
    while True:
        time.sleep(0 if tries < _YIELDS else _NAP)
        if try_lock(False):
            return True
        tries += 1
        if deadline is not None and time.monotonic() >= deadline:
            return False


class _Yielding:
    """Acquire and release around a stock lock, with the waiting rule above; thread-safe.

    Waiters are not served in order; use it for short sections only.
    """

    __slots__ = ("_lock",)

    def __init__(self, lock: threading.Lock | threading.RLock) -> None:
        self._lock = lock

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock; whether it was taken (``blocking`` and ``timeout`` as for ``Lock``)."""
        try_lock = self._lock.acquire
        return try_lock(False) or (blocking and _wait_for(try_lock, timeout))

    __enter__ = acquire

    def release(self) -> None:
        """Release the lock (``RuntimeError`` if it is not held, as for ``Lock``)."""
        self._lock.release()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class YieldingLock(_Yielding):
    """A non-reentrant lock with ``threading.Lock``'s interface."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(threading.Lock())

    def locked(self) -> bool:
        """Whether some thread holds the lock."""
        lock: Any = self._lock
        return bool(lock.locked())


class YieldingRLock(_Yielding):
    """A reentrant ``YieldingLock`` (on a stock ``RLock``) that ``threading.Condition`` can use.

    The owner's own non-blocking acquire of an ``RLock`` always succeeds, so
    the waiting rule is the same; what ``Condition.wait`` asks of a reentrant
    lock (give up every hold, then take them all back) is added here.
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(threading.RLock())

    # The stock RLock's own helpers for Condition (private, so untyped in typeshed).
    def _is_owned(self) -> bool:
        lock: Any = self._lock
        return bool(lock._is_owned())

    def _release_save(self) -> object:
        lock: Any = self._lock
        return lock._release_save()

    def _acquire_restore(self, state: tuple[int, int]) -> None:
        count, _ = state  # (holds, owner): the owner is the waiting thread itself
        try_lock = self._lock.acquire
        if not try_lock(False):
            _wait_for(try_lock, -1)
        for _ in range(count - 1):
            try_lock(False)


def condition_on(lock: YieldingLock | YieldingRLock) -> threading.Condition:
    """A ``threading.Condition`` on ``lock`` (which offers all a Condition asks of a lock)."""
    return threading.Condition(lock)  # type: ignore[arg-type]  # typeshed lists stock locks only
