from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future

from eventwire import Record, deaggregate
from eventwire.producer.engine import Batch, Pending
from eventwire.producer.futures import ProducerFuture
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
        """It sets exactly what Future.__init__ sets (pins the stdlib internals it mirrors)."""
        assert sorted(vars(Future())) == sorted(vars(ProducerFuture(threading.Condition())))

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
