from __future__ import annotations

import asyncio
import random
import threading
from collections import defaultdict
from typing import TYPE_CHECKING

import pytest

from eventwire import (
    AsyncProducer,
    DeliveryTimeoutError,
    Producer,
    ProducerSettings,
    PublishFailure,
    PublishReceipt,
    ThrottledError,
)
from eventwire.backends import Backend, Record
from eventwire.producer import ManualClock
from eventwire.producer.engine import Batch, Engine, Pending
from eventwire.producer.shardmap import hash_key_of
from eventwire.records import ShardInfo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventwire.records import PublishResult

TOP = 2**128 - 1


def _shards(*bounds: int) -> list[ShardInfo]:
    """Shards splitting the hash key space at ``bounds`` (named by their first key)."""
    starts = [0, *bounds]
    ends = [*(bound - 1 for bound in bounds), TOP]
    return [
        ShardInfo(f"shardId-{start}", start, end) for start, end in zip(starts, ends, strict=True)
    ]


FOUR = _shards(2**126, 2**127, 3 * 2**126)


def _engine(shards: list[ShardInfo], **settings: object) -> Engine:
    engine = Engine(
        ProducerSettings(linger=0, pace=False, **settings),  # type: ignore[arg-type]
        "s",
        1024 * 1024,
    )
    engine.apply_shards(shards, 0.0)
    return engine


def _key_on(shard: ShardInfo, n: int = 0) -> str:
    """The ``n``-th key (k0, k1, ...) whose hash falls on ``shard``."""
    found = (key for i in range(10**5) if shard.owns(hash_key_of(Record(b"", key := f"k{i}"))))
    for _ in range(n):
        next(found)
    return next(found)


def _add(engine: Engine, key: str, data: bytes) -> Pending:
    item = Pending(Record(data, key), None, 0.0)
    engine.add(item)
    return item


def _receipts(batch: Batch) -> list[PublishResult]:
    return [
        PublishReceipt("", "memory", "s", name or "", str(i)) for i, name in enumerate(batch.shards)
    ]


def _throttled(record: Record) -> PublishFailure:
    error = ThrottledError("slow down", code="ProvisionedThroughputExceededException")
    return PublishFailure("", error, 1, record)


class TestInFlight:
    """Several requests go out at once, never two on one shard."""

    def test_requests_on_disjoint_shards(self) -> None:
        """A shard with a request out waits; an idle shard gets a request of its own."""
        engine = _engine(FOUR, max_in_flight=4)
        _add(engine, _key_on(FOUR[0]), b"a1")
        first = engine.take(0.0, force=True)
        _add(engine, _key_on(FOUR[0]), b"a2")
        _add(engine, _key_on(FOUR[1]), b"b1")
        second = engine.take(0.0, force=True)
        assert isinstance(first, Batch)
        assert isinstance(second, Batch)
        assert [[b"a1"], [b"b1"]] == [[r.data for r in b.records] for b in (first, second)]
        assert None is engine.take(0.0, force=True)  # a2's shard is busy
        engine.complete(first, _receipts(first), 0.0)
        third = engine.take(0.0, force=True)
        assert isinstance(third, Batch)
        assert [b"a2"] == [r.data for r in third.records]

    def test_max_in_flight_bounds_requests(self) -> None:
        """No request goes while max_in_flight are out."""
        engine = _engine(FOUR, max_in_flight=2)
        batches = []
        for shard in FOUR:
            _add(engine, _key_on(shard), b"x")
            batches.append(engine.take(0.0, force=True))
        assert [Batch, Batch, type(None), type(None)] == [type(b) for b in batches]

    def test_an_opened_queue_is_reported(self) -> None:
        """A record for an idle shard while a request is out tells the sender to look."""
        engine = _engine(FOUR, max_in_flight=4)
        _add(engine, _key_on(FOUR[0]), b"a")
        assert isinstance(engine.take(0.0, force=True), Batch)
        assert engine.add(Pending(Record(b"b", _key_on(FOUR[1])), None, 0.0))
        assert not engine.add(Pending(Record(b"c", _key_on(FOUR[0])), None, 0.0))

    @pytest.mark.parametrize("aggregate", [False, True])
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_order_per_key_with_partial_failures(self, aggregate: bool, seed: int) -> None:
        """Requests answered out of order, a third of entries throttled: each key in order."""
        rng = random.Random(seed)
        engine = _engine(FOUR, max_in_flight=4, batch_records=1, aggregate=aggregate)
        keys = [_key_on(FOUR[i % 4], i // 4) for i in range(12)]
        published: dict[str, list[bytes]] = defaultdict(list)
        delivered: dict[str, list[bytes]] = defaultdict(list)
        for i in range(300):
            key = rng.choice(keys)
            published[key].append(str(i).encode())
            _add(engine, key, str(i).encode())
        out: list[Batch] = []
        peak = 0
        now = 0.0
        while not engine.idle:
            got = engine.take(now, force=True)
            if isinstance(got, float) and not out:
                now += got  # unpaced failures pause the whole producer for a while
                continue
            if isinstance(got, Batch):
                assert not any(got.queues & batch.queues for batch in out)
                out.append(got)
                peak = max(peak, len(out))
                if rng.random() < 0.7:
                    continue  # take another before answering
            batch = out.pop(rng.randrange(len(out)))
            results = [
                _throttled(record) if rng.random() < 0.33 else receipt
                for record, receipt in zip(batch.records, _receipts(batch), strict=True)
            ]
            for item, result in engine.complete(batch, results, now):
                assert isinstance(result, PublishReceipt)
                delivered[item.record.partition_key].append(item.record.data)
        assert 4 == peak
        assert published == delivered
        assert 0 < engine.stats.throttled_records


class TestResharding:
    """A new shard map waits for the requests out, so a moved key keeps its order."""

    def test_refresh_waits_for_requests_in_flight(self) -> None:
        """A split noticed mid-flight: nothing is taken or re-read until the last answer."""
        engine = _engine(FOUR, max_in_flight=4)
        moved = _key_on(FOUR[0])
        _add(engine, moved, b"m1")
        first = engine.take(0.0, force=True)
        _add(engine, _key_on(FOUR[1]), b"b1")
        second = engine.take(0.0, force=True)
        assert isinstance(first, Batch)
        assert isinstance(second, Batch)
        _add(engine, moved, b"m2")
        _add(engine, _key_on(FOUR[2]), b"c1")
        # The answer for the second request names a shard the map does not know.
        unknown: list[PublishResult] = [PublishReceipt("", "memory", "s", "shardId-999", "1")]
        engine.complete(second, unknown, 0.0)
        assert engine.refresh_wanted
        assert None is engine.take(0.0, force=True)
        assert not engine.start_refresh()  # the first request is still out
        engine.complete(first, [_throttled(first.records[0])], 0.0)  # m1 must go again
        assert engine.start_refresh()
        assert None is engine.take(0.0, force=True)  # not while the map is being read
        split = hash_key_of(Record(b"", moved))  # the moved key opens a new shard
        halves = [
            ShardInfo("shardId-0", 0, split - 1),
            ShardInfo(f"shardId-{split}", split, 2**126 - 1),
        ]
        engine.apply_shards([*halves, *FOUR[1:]], 0.0)
        retry = engine.take(1.0, force=True)  # after the pause the throttling caused
        assert isinstance(retry, Batch)
        by_key = {r.partition_key: r.data for r in retry.records}
        assert b"m1" == by_key[moved]  # the retry, before m2, on the key's new shard
        assert f"shardId-{split}" == retry.shards[retry.records.index(
            next(r for r in retry.records if r.partition_key == moved)
        )]  # fmt: skip
        engine.complete(retry, _receipts(retry), 1.0)
        last = engine.take(1.0, force=True)
        assert isinstance(last, Batch)
        assert [b"m2"] == [r.data for r in last.records]


class ShardedBackend(Backend):
    """A backend with one shard that keeps what it gets, for paced producers."""

    name = "sharded"
    stream = "s"

    def __init__(self) -> None:
        self.records: list[Record] = []

    def shards(self) -> list[ShardInfo]:
        return _shards()

    def publish(self, record: Record) -> PublishReceipt:
        self.records.append(record)
        return PublishReceipt(record.event_id, self.name, self.stream, "shardId-0", "1")


def _ttl_records(count: int) -> list[Record]:
    return [Record(b"x" * 94, f"k{i % 50}", event_id=str(i)) for i in range(count)]


def _check_expiry(backend: ShardedBackend, results: Sequence[PublishResult]) -> None:
    sent = {record.event_id for record in backend.records}
    expired = [r for r in results if isinstance(r, PublishFailure)]
    assert len(results) == len(sent) + len(expired)
    assert 0 < len(expired) < len(results)
    assert all(isinstance(r.error, DeliveryTimeoutError) for r in expired)
    assert all("TTL" in str(r.error) and r.attempts == 0 for r in expired)
    assert not sent & {r.event_id for r in expired}  # an expired record never left


class TestRecordTtl:
    """A record waiting in a paced queue past its TTL fails without being sent."""

    def test_producer_expires_queued_records(self) -> None:
        """1,000 records/s of pacing, 3,000 records, a 1.5 s TTL: the tail expires."""
        backend, clock = ShardedBackend(), ManualClock()
        producer = Producer(
            backend, clock=clock, background=False,
            settings=ProducerSettings(record_ttl=1.5),
        )  # fmt: skip
        futures = [producer.publish_record(record) for record in _ttl_records(3000)]
        assert producer.flush()
        assert [] == producer.close()
        _check_expiry(backend, [f.result(timeout=0) for f in futures])
        assert clock.now() < 3.0  # woke for the deadline, not for the last record's turn

    def test_async_producer_expires_queued_records(self) -> None:
        """The same with the asyncio producer, sleeping on the manual clock."""
        backend, clock = ShardedBackend(), ManualClock()

        async def sleep(seconds: float) -> None:
            clock.advance(seconds)
            await asyncio.sleep(0)

        async def main() -> list[PublishResult]:
            producer = AsyncProducer(
                backend, clock=clock, sleep=sleep, offload=False,
                settings=ProducerSettings(record_ttl=1.5),
            )  # fmt: skip
            futures = [await producer.publish_record(record) for record in _ttl_records(3000)]
            assert await producer.flush(timeout=60)
            assert [] == await producer.close()
            return [future.result() for future in futures]

        _check_expiry(backend, asyncio.run(main()))

    def test_no_ttl_no_expiry(self) -> None:
        """Without a TTL every record waits its turn and is delivered."""
        backend, clock = ShardedBackend(), ManualClock()
        producer = Producer(backend, clock=clock, background=False)
        futures = [producer.publish_record(record) for record in _ttl_records(3000)]
        assert producer.flush()
        producer.close()
        assert all(isinstance(f.result(timeout=0), PublishReceipt) for f in futures)
        assert 3000 == len(backend.records)


class GatedBackend(Backend):
    """Four shards; each request waits at a gate until the test opens it."""

    name = "gated"
    stream = "s"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = threading.Condition(self.lock)
        self.entered = 0
        self.gate = threading.Event()
        self.records: list[Record] = []

    def shards(self) -> list[ShardInfo]:
        return FOUR

    def publish(self, record: Record) -> PublishReceipt:
        raise AssertionError("producers send through publish_many")

    def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        with self.lock:
            self.entered += 1
            self.waiting.notify_all()
        self.gate.wait()
        with self.lock:
            self.records.extend(records)
        return [
            PublishReceipt(r.event_id, self.name, self.stream, "shardId-0", "1") for r in records
        ]


class TestConcurrentSenders:
    """The producers really have several requests out at once."""

    def test_threads(self) -> None:
        """Two shards' records go in two requests, both out before either is answered."""
        backend = GatedBackend()
        producer = Producer(backend, settings=ProducerSettings(linger=0, max_in_flight=4))
        first = producer.publish_record(Record(b"a", _key_on(FOUR[0])))
        with backend.lock:
            assert backend.waiting.wait_for(lambda: backend.entered == 1, timeout=30)
        second = producer.publish_record(Record(b"b", _key_on(FOUR[1])))
        with backend.lock:
            assert backend.waiting.wait_for(lambda: backend.entered == 2, timeout=30)
        backend.gate.set()
        assert [] == producer.close()
        assert first.result(timeout=0).ok
        assert second.result(timeout=0).ok

    def test_tasks(self) -> None:
        """The same with the asyncio producer's request tasks."""
        backend = GatedBackend()

        async def main() -> list[bool]:
            producer = AsyncProducer(backend, settings=ProducerSettings(linger=0))
            first = await producer.publish_record(Record(b"a", _key_on(FOUR[0])))
            await asyncio.to_thread(_wait_entered, backend, 1)
            second = await producer.publish_record(Record(b"b", _key_on(FOUR[1])))
            await asyncio.to_thread(_wait_entered, backend, 2)
            backend.gate.set()
            assert [] == await producer.close()
            return [first.result().ok, second.result().ok]

        assert [True, True] == asyncio.run(main())


def _wait_entered(backend: GatedBackend, count: int) -> None:
    with backend.lock:
        assert backend.waiting.wait_for(lambda: backend.entered == count, timeout=30)
