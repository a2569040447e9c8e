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

_YIELDS = 8
"""Zero sleeps before a waiter starts sleeping between tries."""
_NAP = 50e-6
"""Seconds a waiter sleeps between later tries (the kernel's timer slack is about that)."""


class YieldingLock:
    """A non-reentrant lock with ``threading.Lock``'s interface; thread-safe.

    Waiters are not served in order; use it for short sections only.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock; whether it was taken (``blocking`` and ``timeout`` as for ``Lock``)."""
        try_lock = self._lock.acquire
        if try_lock(False):
            return True
        if not blocking:
            return False
        deadline = None if timeout < 0 else time.monotonic() + timeout
        tries = 0
        while True:
            time.sleep(0 if tries < _YIELDS else _NAP)
            if try_lock(False):
                return True
            tries += 1
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def release(self) -> None:
        """Release the lock (``RuntimeError`` if it is not held, as for ``Lock``)."""
        self._lock.release()

    def locked(self) -> bool:
        """Whether some thread holds the lock."""
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


class YieldingRLock:
    """A reentrant ``YieldingLock`` that ``threading.Condition`` can wait on; thread-safe."""

    __slots__ = ("_count", "_lock", "_owner")

    def __init__(self) -> None:
        self._lock = YieldingLock()
        self._owner: int | None = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock, or count one more hold by its owner; whether it was taken."""
        me = threading.get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if not self._lock.acquire(blocking, timeout):
            return False
        self._owner, self._count = me, 1
        return True

    def release(self) -> None:
        """Give up one hold (``RuntimeError`` if this thread holds none, as for ``RLock``)."""
        if self._owner != threading.get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if not self._count:
            self._owner = None
            self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # What threading.Condition asks of a reentrant lock: wait() releases every hold.
    def _is_owned(self) -> bool:
        return self._owner == threading.get_ident()

    def _release_save(self) -> tuple[int, int | None]:
        state = (self._count, self._owner)
        self._owner, self._count = None, 0
        self._lock.release()
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self._lock.acquire()
        self._count, self._owner = state


def condition_on(lock: YieldingLock | YieldingRLock) -> threading.Condition:
    """A ``threading.Condition`` on ``lock`` (which offers all a Condition asks of a lock)."""
    return threading.Condition(lock)  # type: ignore[arg-type]  # typeshed lists stock locks only
