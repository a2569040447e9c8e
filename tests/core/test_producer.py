from __future__ import annotations

import asyncio
import threading

import pluggy
import pytest

from eventwire import (
    AsyncProducer,
    DeliveryTimeoutError,
    InvalidRecordError,
    Producer,
    ProducerFullError,
    ProducerSettings,
    PublisherClosedError,
    PublishReceipt,
    ThrottledError,
    hookimpl,
)
from eventwire.backends import Backend, Record
from eventwire.producer import ManualClock
from eventwire.testing import RecordingBackend


def _producer(backend: RecordingBackend, clock: ManualClock, **settings: object) -> Producer:
    return Producer(
        backend, clock=clock, background=False,
        settings=ProducerSettings(**settings),  # type: ignore[arg-type]
    )  # fmt: skip


class TestBatching:
    """Records wait for their linger, a full batch, or a flush."""

    def test_linger(self) -> None:
        """Nothing is sent before the linger runs out; everything after."""
        backend, clock = RecordingBackend(), ManualClock()
        producer = _producer(backend, clock, linger=0.5)
        futures = [producer.publish_record(Record(b"x", f"k{i}")) for i in range(10)]
        producer.pump()
        assert [] == backend.records
        clock.advance(0.5)
        producer.pump()
        assert 10 == len(backend.records)
        assert all(isinstance(f.result(), PublishReceipt) for f in futures)
        producer.close()

    def test_full_batch_goes_at_once(self) -> None:
        """A full batch does not wait for the linger."""
        backend, clock = RecordingBackend(), ManualClock()
        producer = _producer(backend, clock, linger=60, batch_records=5)
        for i in range(5):
            producer.publish_record(Record(b"x", f"k{i}"))
        producer.pump()
        assert 5 == len(backend.records)
        producer.close()


class TestFailures:
    """Every future resolves: retryable errors are retried, others fail."""

    def test_throttled_then_delivered_in_order(self) -> None:
        """Throttled records are retried ahead of later records with the same key."""
        backend, clock = RecordingBackend(), ManualClock()
        backend.fail_next(
            ThrottledError("slow down", code="ProvisionedThroughputExceededException")
        )
        producer = _producer(backend, clock)
        futures = [producer.publish_record(Record(str(i).encode(), "same")) for i in range(3)]
        assert producer.flush()
        assert [b"0", b"1", b"2"] == [r.data for r in backend.records]
        assert 2 == futures[0].result().attempts
        assert 1 == producer.stats.throttled_records
        producer.close()

    def test_fatal_error_fails_the_record(self) -> None:
        """An invalid record fails at once, with the error and the record."""
        backend, clock = RecordingBackend(), ManualClock()
        backend.fail_next(InvalidRecordError("bad", code="ValidationException"))
        producer = _producer(backend, clock)
        future = producer.publish_record(Record(b"x", "k"))
        producer.flush()
        result = future.result()
        assert not result.ok
        assert "ValidationException" == result.code  # type: ignore[union-attr]
        producer.close()

    def test_invalid_event_resolves_at_once(self) -> None:
        """Something that is not an event gets a resolved failure, never an exception."""
        producer = _producer(RecordingBackend(), ManualClock())
        future = producer.publish("not an event")  # type: ignore[arg-type]
        assert future.done()
        assert not future.result().ok
        producer.close()


class TestBufferAndClose:
    """Memory is bounded, and close hands back what it could not deliver."""

    def test_raise_when_full(self) -> None:
        """With when_full='raise' a full buffer raises ProducerFullError."""
        producer = _producer(RecordingBackend(), ManualClock(), buffer_records=2, when_full="raise")
        producer.publish_record(Record(b"x", "a"))
        producer.publish_record(Record(b"x", "b"))
        with pytest.raises(ProducerFullError, match="buffer is full"):
            producer.publish_record(Record(b"x", "c"))
        producer.close()

    def test_block_when_full_sends_to_make_room(self) -> None:
        """With when_full='block' and no thread, publish sends to make room."""
        backend = RecordingBackend()
        producer = _producer(backend, ManualClock(), buffer_records=2)
        for key in "abcde":
            producer.publish_record(Record(b"x", key))
        assert 3 <= len(backend.records)
        producer.close()

    def test_close_returns_undelivered(self) -> None:
        """Records that keep failing come back from close as DeliveryTimeoutError."""
        backend = RecordingBackend()
        backend.fail_next(
            ThrottledError("slow", code="ProvisionedThroughputExceededException"), 10**4
        )
        producer = _producer(backend, ManualClock())
        futures = [producer.publish_record(Record(b"x", f"k{i}")) for i in range(3)]
        undelivered = producer.close(timeout=2.0)
        assert 3 == len(undelivered)
        assert all(isinstance(f.error, DeliveryTimeoutError) for f in undelivered)
        assert all(f.done() for f in futures)
        with pytest.raises(PublisherClosedError):
            producer.publish_record(Record(b"x", "k"))


class TestMetrics:
    """Metrics reach the producer hooks."""

    def test_hooks_see_queued_sent_and_batches(self, plugin_manager: pluggy.PluginManager) -> None:
        """Queued, batch and sent hooks get counts, fill and latencies."""
        seen: dict[str, list[object]] = {"queued": [], "batch": [], "sent": []}

        class Observer:
            @hookimpl
            def eventwire_producer_queued(self, stream: str, records: int, nbytes: int) -> None:
                seen["queued"].append(records)

            @hookimpl
            def eventwire_producer_batch(
                self, stream: str, records: int, user_records: int, fill: float
            ) -> None:
                seen["batch"].append(fill)

            @hookimpl
            def eventwire_producer_sent(
                self, stream: str, records: int, nbytes: int, latencies: list[float]
            ) -> None:
                seen["sent"].append(latencies)

        plugin_manager.register(Observer())
        clock = ManualClock()
        producer = Producer(
            RecordingBackend(), plugin_manager=plugin_manager, clock=clock, background=False,
            settings=ProducerSettings(linger=1.0),
        )  # fmt: skip
        for i in range(4):
            producer.publish_record(Record(b"x", f"k{i}"))
        clock.advance(1.5)
        producer.pump()
        assert [1, 1, 1, 1] == seen["queued"]
        assert [4 / 500] == seen["batch"]
        assert [[1.5, 1.5, 1.5, 1.5]] == seen["sent"]
        producer.close()


class TestThreadsAndTasks:
    """The background thread and the asyncio twin deliver everything."""

    def test_background_thread(self) -> None:
        """A threaded producer delivers every record by flush."""
        backend = RecordingBackend()
        with Producer(backend) as producer:
            futures = [producer.publish_record(Record(b"x", f"k{i}")) for i in range(300)]
            assert producer.flush(timeout=30)
        assert 300 == len(backend.records)
        assert all(f.result().ok for f in futures)

    def test_async_many_tasks(self) -> None:
        """Twenty tasks publish through one AsyncProducer; every future holds a receipt."""
        backend = RecordingBackend()

        async def main() -> list[bool]:
            async with AsyncProducer(backend, offload=False) as producer:

                async def task(n: int) -> list[asyncio.Future[object]]:
                    return [  # type: ignore[misc]
                        await producer.publish_record(Record(b"x", f"{n}-{i}")) for i in range(25)
                    ]

                batches = await asyncio.gather(*(task(n) for n in range(20)))
                assert await producer.flush(timeout=30)
            return [f.result().ok for batch in batches for f in batch]  # type: ignore[attr-defined]

        assert [True] * 500 == asyncio.run(main())


class StuckBackend(Backend):
    """A backend whose requests wait until released; records when it is closed."""

    name = "stuck"
    stream = "s"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.closed = threading.Event()

    def publish(self, record: Record) -> PublishReceipt:
        self.entered.set()
        self.release.wait()
        return PublishReceipt(record.event_id, self.name, self.stream, "shardId-0", "1")

    def close(self) -> None:
        self.closed.set()


class TestStuckRequest:
    """close() does not wait for a request that never answers."""

    def test_close_returns_and_thread_closes_backend_later(self) -> None:
        """The stuck record comes back ambiguous at once; the thread closes the backend later."""
        backend = StuckBackend()
        producer = Producer(backend, settings=ProducerSettings(linger=0, pace=False))
        future = producer.publish_record(Record(b"x", "k", event_id="e"))
        assert backend.entered.wait(30)
        undelivered = producer.close(timeout=0)
        assert ["e"] == [failure.event_id for failure in undelivered]
        assert undelivered[0].error.ambiguous
        assert future.result(timeout=0) is undelivered[0]
        assert not backend.closed.is_set()  # the request still holds the backend
        backend.release.set()
        assert backend.closed.wait(30)
