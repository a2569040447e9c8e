from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING

import aws_kinesis_agg.deaggregator
import pytest

from eventwire import (
    AsyncProducer,
    DeliveryTimeoutError,
    Producer,
    ProducerSettings,
    PublishReceipt,
)
from eventwire.backends import Backend, Record
from eventwire_emulator.backend import EmulatorBackend
from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.reading import read_records

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventwire.records import PublishResult, ShardInfo

STREAM = "orders"


def _emulator(shards: int = 4) -> tuple[Kinesis, EmulatorBackend]:
    kinesis = Kinesis(clock=ManualClock(), quotas=True)
    return kinesis, EmulatorBackend(kinesis, stream=STREAM, shard_count=shards)


def _records(count: int, keys: int = 50, size: int = 100) -> list[Record]:
    return [
        Record(f"{i:08d}".encode().ljust(size, b"."), f"key-{i % keys}", event_id=str(i))
        for i in range(count)
    ]


def _stored(kinesis: Kinesis) -> dict[str, list[bytes]]:
    """Stored user records grouped by partition key, in stream order."""
    kinesis.quotas = False  # reading back is not what these tests measure
    by_key: dict[str, list[bytes]] = defaultdict(list)
    for stored in read_records(kinesis, STREAM):
        by_key[stored.partition_key].append(stored.data)
    return by_key


def _expected(records: list[Record]) -> dict[str, list[bytes]]:
    by_key: dict[str, list[bytes]] = defaultdict(list)
    for record in records:
        by_key[record.partition_key].append(record.data)
    return by_key


def _producer(kinesis: Kinesis, backend: EmulatorBackend, **settings: object) -> Producer:
    return Producer(
        backend,
        clock=kinesis.clock,
        background=False,
        settings=ProducerSettings(**settings),  # type: ignore[arg-type]
    )


class TestDelivery:
    """On a quota-enforcing emulator everything arrives once, in order per key."""

    def test_paced_run_is_never_throttled(self) -> None:
        """Pacing at the quotas keeps the service from throttling at all."""
        kinesis, backend = _emulator()
        records = _records(6000)
        producer = _producer(kinesis, backend)
        futures = [producer.publish_record(record) for record in records]
        assert producer.flush()
        assert [] == producer.close()
        assert all(isinstance(f.result(), PublishReceipt) for f in futures)
        assert 0 == producer.stats.throttled_records
        assert _expected(records) == _stored(kinesis)

    def test_throttling_storm(self) -> None:
        """Injected throttling of a third of the entries: retried until delivered, in order."""
        kinesis, backend = _emulator(shards=2)
        kinesis.faults.fail_entries(
            "ProvisionedThroughputExceededException", fraction=0.33, seed=7, times=3000
        )
        records = _records(4000)
        producer = _producer(kinesis, backend)
        futures = [producer.publish_record(record) for record in records]
        assert producer.flush()
        producer.close()
        assert all(isinstance(f.result(), PublishReceipt) for f in futures)
        stats = producer.stats
        assert stats.throttled_records > 1000
        assert 4000 + stats.throttled_records == stats.kinesis_records  # one resend per throttle
        assert 0 == stats.ambiguous_records
        assert _expected(records) == _stored(kinesis)

    def test_partial_failures_and_failed_calls(self) -> None:
        """Failed entries and whole failed requests are retried; nothing lost or duplicated."""
        kinesis, backend = _emulator()
        kinesis.faults.fail_entries("InternalFailure", every=7, times=500)
        kinesis.faults.fail("ServiceUnavailable", operation="PutRecords", times=3)
        records = _records(3000)
        producer = _producer(kinesis, backend)
        futures = [producer.publish_record(record) for record in records]
        assert producer.flush()
        producer.close()
        results = [f.result() for f in futures]
        assert all(isinstance(r, PublishReceipt) for r in results)
        assert max(r.attempts for r in results) >= 2
        assert _expected(records) == _stored(kinesis)

    def test_resharding_mid_run(self) -> None:
        """A split in the middle of a run is noticed from receipts; delivery stays in order."""
        kinesis, backend = _emulator(shards=2)
        records = _records(4000)
        producer = _producer(kinesis, backend)
        futures = [producer.publish_record(record) for record in records[:2000]]
        producer.flush()
        shard = backend.shards()[0]
        middle = (shard.starting_hash_key + shard.ending_hash_key) // 2
        kinesis.split_shard(STREAM, shard.shard_id, str(middle))
        futures += [producer.publish_record(record) for record in records[2000:]]
        assert producer.flush()
        producer.close()
        receipts = [f.result() for f in futures]
        assert all(isinstance(r, PublishReceipt) for r in receipts)
        assert 2 <= producer.stats.shard_map_refreshes
        assert 3 == len({r.shard_id for r in receipts[2000:]})  # type: ignore[union-attr]
        assert _expected(records) == _stored(kinesis)


class SlowBackend(Backend):
    """The emulator behind a network: time passes before and after each request lands."""

    name = "slow"
    stream = STREAM

    def __init__(self, inner: EmulatorBackend, clock: ManualClock, before: float, after: float):
        self.inner, self.clock, self.before, self.after = inner, clock, before, after

    def shards(self) -> list[ShardInfo] | None:
        return self.inner.shards()

    def publish(self, record: Record) -> PublishReceipt:
        return self.inner.publish(record)

    def publish_many(self, records: Sequence[Record]) -> list[PublishResult]:
        self.clock.advance(self.before)
        try:
            return self.inner.publish_many(records)
        finally:
            self.clock.advance(self.after)


class TestQuotas:
    """Pacing at the full quota never trips the emulator's one-second window."""

    @pytest.mark.parametrize(("size", "count", "aggregate"), [
        (100, 6000, False), (50 * 1024, 200, False), (100, 40_000, True),
    ])  # fmt: skip
    @pytest.mark.parametrize(("before", "after"), [(0.0, 0.0), (0.03, 0.001), (0.001, 0.03)])
    def test_full_utilization_with_latency(
        self, size: int, count: int, aggregate: bool, before: float, after: float
    ) -> None:
        """Latency on either side of admission: not one record throttled, all in order."""
        kinesis, backend = _emulator()
        clock = kinesis.clock
        assert isinstance(clock, ManualClock)
        records = _records(count, keys=1000, size=size)
        producer = Producer(
            SlowBackend(backend, clock, before, after), clock=clock, background=False,
            settings=ProducerSettings(utilization=1.0, aggregate=aggregate),
        )  # fmt: skip
        futures = [producer.publish_record(record) for record in records]
        assert producer.flush()
        assert [] == producer.close()
        assert all(isinstance(f.result(), PublishReceipt) for f in futures)
        assert 0 == producer.stats.throttled_records
        assert _expected(records) == _stored(kinesis)


class TestClose:
    """close never hangs and hands back what it could not deliver."""

    def test_close_with_a_full_buffer_and_a_failing_stream(self) -> None:
        """Every future resolves; close returns the undelivered records."""
        kinesis, backend = _emulator()
        kinesis.faults.fail("ServiceUnavailable", operation="PutRecords", times=10**6)
        producer = _producer(kinesis, backend, buffer_records=1000, when_full="raise")
        futures = [producer.publish_record(record) for record in _records(1000)]
        undelivered = producer.close(timeout=5.0)
        assert 1000 == len(undelivered)
        assert all(isinstance(f.error, DeliveryTimeoutError) for f in undelivered)
        assert {str(i) for i in range(1000)} == {f.event_id for f in undelivered}
        assert all(f.done() and not f.result().ok for f in futures)


class TestAggregation:
    """Aggregated records combine per shard and read back as the user records."""

    def test_aggregated_run(self) -> None:
        """Fewer Kinesis records than user records; read-back and aws-kinesis-agg see them all."""
        kinesis, backend = _emulator()
        records = _records(5000, keys=40)
        producer = _producer(kinesis, backend, aggregate=True)
        futures = [producer.publish_record(record) for record in records]
        assert producer.flush()
        producer.close()
        receipts = [f.result() for f in futures]
        assert all(isinstance(r, PublishReceipt) for r in receipts)
        assert 200 > producer.stats.kinesis_records
        assert _expected(records) == _stored(kinesis)
        kinesis.quotas = False
        raw = []
        for shard in backend.shards():
            iterator = kinesis.get_shard_iterator(STREAM, shard.shard_id, "TRIM_HORIZON")
            raw += [
                {
                    "SequenceNumber": r.sequence_number,
                    "PartitionKey": r.partition_key,
                    "ApproximateArrivalTimestamp": 0,
                    "Data": r.data,
                }
                for r in kinesis.get_records(iterator, limit=10_000).records
            ]
        theirs = list(aws_kinesis_agg.deaggregator.iter_deaggregate_records(raw, "Boto3"))
        assert len(records) == len(theirs)


class TestAsyncio:
    """An asyncio service publishing from many tasks gets every record delivered."""

    @pytest.mark.parametrize("aggregate", [False, True])
    def test_many_tasks(self, aggregate: bool) -> None:
        """Fifty tasks publish concurrently; every future resolves to a receipt."""
        kinesis, backend = _emulator()
        clock = kinesis.clock
        assert isinstance(clock, ManualClock)

        async def sleep(seconds: float) -> None:
            clock.advance(seconds)
            await asyncio.sleep(0)

        async def service() -> list[object]:
            producer = AsyncProducer(
                backend, clock=clock, sleep=sleep, offload=False,
                settings=ProducerSettings(aggregate=aggregate),
            )  # fmt: skip

            async def task(n: int) -> list[asyncio.Future[object]]:
                out = []
                for i in range(40):
                    out.append(await producer.publish_record(Record(b"x" * 50, f"t{n}-{i % 3}")))
                    await asyncio.sleep(0)
                return out  # type: ignore[return-value]

            batches = await asyncio.gather(*(task(n) for n in range(50)))
            assert [] == await producer.close()
            return [f.result() for batch in batches for f in batch]

        results = asyncio.run(service())
        assert 2000 == len(results)
        assert all(isinstance(r, PublishReceipt) for r in results)
