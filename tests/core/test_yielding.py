"""``YieldingLock`` and ``YieldingRLock``: exclusion, the stock locks' interface, ``Condition``."""

from __future__ import annotations

import threading
import time

import pytest

from eventwire.yielding import YieldingLock, YieldingRLock


def test_threads_never_overlap_inside() -> None:
    lock, inside, overlaps, count = YieldingLock(), [0], [0], [0]

    def work() -> None:
        for _ in range(2000):
            with lock:
                inside[0] += 1
                if inside[0] > 1:
                    overlaps[0] += 1
                value = count[0]
                time.sleep(0)  # invite a switch while holding the lock
                count[0] = value + 1
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (0, 8000) == (overlaps[0], count[0])


def test_non_blocking_and_timed_acquire_fail_while_held() -> None:
    lock, held, done = YieldingLock(), threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        assert lock.locked()
        assert not lock.acquire(blocking=False)
        started = time.monotonic()
        assert not lock.acquire(timeout=0.1)
        assert time.monotonic() - started >= 0.1
    finally:
        done.set()
        holder.join()
    assert lock.acquire(timeout=1)
    lock.release()
    assert not lock.locked()


def test_release_when_not_held_raises_as_lock_does() -> None:
    with pytest.raises(RuntimeError):
        YieldingLock().release()


def test_a_condition_waits_and_wakes_on_it() -> None:
    condition = threading.Condition(YieldingLock())  # type: ignore[arg-type]
    ready: list[int] = []

    def produce() -> None:
        time.sleep(0.05)
        with condition:
            ready.append(1)
            condition.notify_all()

    thread = threading.Thread(target=produce)
    thread.start()
    with condition:
        assert condition.wait_for(lambda: ready, timeout=10)
    thread.join()
    with condition:
        assert not condition.wait(0.01)  # a timed wait with no notify ends unwoken


def test_the_reentrant_lock_counts_holds_and_excludes_others() -> None:
    lock, taken = YieldingRLock(), []
    with lock, lock:
        other = threading.Thread(target=lambda: taken.append(lock.acquire(timeout=0.05)))
        other.start()
        other.join()
    assert [False] == taken
    with pytest.raises(RuntimeError):
        lock.release()
    assert lock.acquire(blocking=False)
    lock.release()


def test_a_condition_wait_gives_up_every_hold_of_the_reentrant_lock() -> None:
    lock = YieldingRLock()
    condition = threading.Condition(lock)  # type: ignore[arg-type]
    entered = threading.Event()

    def enter() -> None:
        with condition:  # possible only while the waiter below gives up both holds
            entered.set()
            condition.notify_all()

    with lock, condition:
        thread = threading.Thread(target=enter)
        thread.start()
        assert condition.wait_for(entered.is_set, timeout=10)
        lock.release()  # still held once more after the wait: this is the outer hold
        lock.acquire()
    thread.join()
