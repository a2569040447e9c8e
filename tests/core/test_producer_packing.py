from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import Future, as_completed

import pytest

from eventwire.backends import Record, deaggregate
from eventwire.producer.engine import Batch, Pending
from eventwire.producer.futures import ProducerFuture, resolve_all
from eventwire.producer.packing import Packer


def _queue(keys: list[str], size: int = 100) -> deque[Pending]:
    records = [Record(f"{i}".encode().ljust(size, b"."), key) for i, key in enumerate(keys)]
    return deque(Pending(record, None, 0.0) for record in records)


def _packer(aggregation_bytes: int = 51_200) -> Packer:
    return Packer(aggregation_bytes, batch_records=500, batch_bytes=5 * 2**20, window=2000)


class TestPacker:
    """Aggregates are filled key by key, keeping each key's order."""

    def test_keys_grouped_and_order_kept(self) -> None:
        """Interleaved keys come out grouped per key, each in publish order."""
        queue = _queue(["a", "b", "a", "b", "a"])
        batch = Batch()
        _packer().take(queue, "shard", None, batch, 0, set(), 0.0)
        [record] = batch.records
        unpacked = [(user.partition_key, user.data[:1]) for user in deaggregate(record.data)]
        assert [("a", b"0"), ("a", b"2"), ("a", b"4"), ("b", b"1"), ("b", b"3")] == unpacked
        assert 0 == len(queue)

    def test_key_split_waits_for_next_request(self) -> None:
        """A key that overflows an aggregate is not split across two in one request."""
        queue = _queue(["a"] * 4 + ["b"] * 2, size=100)
        batch = Batch()
        seen: set[str] = set()
        _packer(aggregation_bytes=350).take(queue, "shard", None, batch, 0, seen, 0.0)
        taken = [[item.record.data[:1] for item in group] for group in batch.groups]
        assert [[b"0", b"1", b"2"], [b"4", b"5"]] == taken
        assert [b"3"] == [item.record.data[:1] for item in queue]
        assert {"a", "b"} == seen

    def test_seen_keys_stay_queued(self) -> None:
        """Keys already in the request are left in the queue, in order."""
        queue = _queue(["a", "b", "a"])
        batch = Batch()
        _packer().take(queue, "shard", None, batch, 0, {"a"}, 0.0)
        assert [[b"1"]] == [[item.record.data[:1] for item in group] for group in batch.groups]
        assert [b"0", b"2"] == [item.record.data[:1] for item in queue]

    def test_oversized_record_goes_alone(self) -> None:
        """A record above the aggregation size is sent as itself."""
        queue = _queue(["a"], size=1000)
        batch = Batch()
        _packer(aggregation_bytes=500).take(queue, "shard", None, batch, 0, set(), 0.0)
        assert [queue_item.record for queue_item in batch.groups[0]] == batch.records


class TestProducerFuture:
    """Futures sharing one condition behave like stock futures."""

    def test_same_attributes_as_stock_future(self) -> None:
        """It has what Future.__init__ sets, its two lists built on first read (pins internals)."""
        future: ProducerFuture[int] = ProducerFuture(threading.Condition())
        built = set(vars(future))
        assert ([], []) == (future._waiters, future._done_callbacks)
        assert sorted(vars(Future())) == sorted(built | {"_waiters", "_done_callbacks"})

    def test_sibling_settling_is_not_a_timeout(self) -> None:
        """A wake-up for a sibling does not end another future's wait."""
        condition = threading.Condition()
        mine: ProducerFuture[int] = ProducerFuture(condition)
        sibling: ProducerFuture[int] = ProducerFuture(condition)
        waiting = threading.Event()

        def settle() -> None:
            waiting.wait()
            sibling.set_result(1)
            mine.set_result(2)

        thread = threading.Thread(target=settle)
        thread.start()
        waiting.set()
        assert 2 == mine.result(timeout=30)
        thread.join()
        assert 1 == sibling.result(timeout=0)


class TestResolveAll:
    """Settling many futures at once matches set_result, one by one."""

    def test_results_and_callbacks_in_order(self) -> None:
        """Each future gets its result; callbacks run in order, outside the condition."""
        condition = threading.Condition()
        futures: list[ProducerFuture[int]] = [ProducerFuture(condition) for _ in range(3)]
        calls: list[tuple[int, bool]] = []

        def record(future: Future[int]) -> None:
            free: list[bool] = []

            def probe() -> None:  # another thread, as the condition's lock is reentrant
                free.append(condition.acquire(blocking=False))
                if free[0]:
                    condition.release()

            prober = threading.Thread(target=probe)
            prober.start()
            prober.join()
            calls.append((future.result(timeout=0), free[0]))

        futures[0].add_done_callback(record)
        futures[2].add_done_callback(record)
        resolve_all(condition, [(future, index) for index, future in enumerate(futures)])
        assert [0, 1, 2] == [future.result(timeout=0) for future in futures]
        assert [(0, True), (2, True)] == calls

    def test_cancelled_future_keeps_its_state(self) -> None:
        """A future its caller cancelled takes no result, and the others still do."""
        condition = threading.Condition()
        cancelled: ProducerFuture[int] = ProducerFuture(condition)
        other: ProducerFuture[int] = ProducerFuture(condition)
        assert cancelled.cancel()
        resolve_all(condition, [(cancelled, 1), (other, 2)])
        assert (True, 2) == (cancelled.cancelled(), other.result(timeout=0))

    def test_failing_callback_is_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        """A callback that raises is logged, as Future does, and the next still runs."""
        condition = threading.Condition()
        futures: list[ProducerFuture[int]] = [ProducerFuture(condition) for _ in range(2)]
        ran: list[int] = []

        def fail(future: Future[int]) -> None:
            raise RuntimeError("boom")

        futures[0].add_done_callback(fail)
        futures[1].add_done_callback(lambda future: ran.append(future.result(timeout=0)))
        resolve_all(condition, [(futures[0], 1), (futures[1], 2)])
        assert [2] == ran
        assert ["exception calling callback"] == [
            r.getMessage().split(" for ")[0] for r in caplog.records
        ]

    def test_as_completed_waiter_is_told(self) -> None:
        """A thread in as_completed hears of futures settled together."""
        condition = threading.Condition()
        futures: list[ProducerFuture[int]] = [ProducerFuture(condition) for _ in range(2)]
        seen: list[int] = []
        waiter = threading.Thread(
            target=lambda: seen.extend(f.result() for f in as_completed(futures, timeout=30))
        )
        waiter.start()
        while not futures[1]._waiter_list:  # as_completed has installed its waiter
            time.sleep(0.001)
        resolve_all(condition, [(futures[0], 1), (futures[1], 2)])
        waiter.join()
        assert [1, 2] == sorted(seen)
