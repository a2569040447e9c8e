"""AsyncKinesisBackend on aiobotocore, against the emulator's HTTP server on loopback."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from eventwire import AsyncPublisher, Event, PublishFailure, PublishReceipt, ThrottledError
from eventwire.backends import Record, make_plugin_manager
from eventwire_emulator.model import Kinesis
from eventwire_emulator.reading import read_records
from eventwire_emulator.server.runner import EmulatorServer
from eventwire_kinesis import KinesisBackend, RetryPolicy
from eventwire_kinesis.aio import AsyncKinesisBackend

pytestmark = pytest.mark.anyio
STREAM = "orders"
THROTTLED = "ProvisionedThroughputExceededException"


class Shipped(Event, event_type="com.example.async.shipped", partition_key="order", ordered=True):
    order: str
    step: int


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def kinesis() -> Kinesis:
    model = Kinesis()
    model.create_stream(STREAM, 2)
    return model


@pytest.fixture
def server(kinesis: Kinesis, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    # The emulator accepts any credentials; these keep botocore off the machine's own.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with EmulatorServer(kinesis, host="127.0.0.1", port=0) as running:
        yield running


def _backend(server: EmulatorServer, **retry: float) -> KinesisBackend:
    policy = RetryPolicy(**retry) if retry else None  # type: ignore[arg-type]
    return KinesisBackend(STREAM, endpoint_url=server.url, region="us-east-1", retry=policy,
                          rng=random.Random(3))  # fmt: skip


def _records(count: int) -> list[Record]:
    return [Record(f"r{n}".encode(), f"key-{n}", event_id=str(n)) for n in range(count)]


class TestAsyncKinesisBackend:
    """Same requests, results and retry rules as the sync backend, awaited."""

    async def test_shipped_configuration_delivers(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """With the shipped retry policy, publish and publish_many land, in order per shard."""
        backend = _backend(server)
        twin = backend.async_backend()
        assert isinstance(twin, AsyncKinesisBackend)
        assert backend.retry == twin.retry == RetryPolicy()
        async with twin:
            receipt = await twin.publish(Record(b"one", "k1", event_id="x"))
            results = await twin.publish_many(_records(600))  # two requests
            shards = await twin.shards()
        expected_shards = backend.shards()
        backend.close()
        assert receipt.stream == STREAM
        assert all(isinstance(result, PublishReceipt) for result in results)
        assert [str(n) for n in range(600)] == [r.event_id for r in results]
        assert 601 == len(read_records(kinesis, STREAM))
        assert expected_shards == shards

    async def test_large_records_with_warnings_as_errors(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """Records over 1 MiB go out: aiohttp's ResourceWarning for large bytes bodies never fires.

        Records may be up to 10 MiB once the stream's maximum record size is raised
        (Kinesis API reference, UpdateMaxRecordSize); this suite turns warnings into errors.
        """
        kinesis.update_max_record_size(STREAM, 10240)
        backend = _backend(server)
        twin = backend.async_backend()
        assert twin is not None
        big = b"x" * (3 * 2**20)
        async with twin:
            receipt = await twin.publish(Record(big, "k1", event_id="one"))
            results = await twin.publish_many([Record(big, "k2", event_id="two")])
        backend.close()
        assert "one" == receipt.event_id
        assert [True] == [result.ok for result in results]
        assert 2 == len(read_records(kinesis, STREAM))

    async def test_retries_follow_the_shared_policy(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """Throttled entries are retried per the policy; attempts match the sync twin's."""
        outcomes = []
        for driver in ("sync", "async"):
            kinesis.faults.clear()
            kinesis.faults.fail_entries(THROTTLED, every=4, times=40)
            backend = _backend(server, max_attempts=3, base_delay=0.001, deadline=30.0)
            if driver == "sync":
                results = backend.publish_many(_records(100))
            else:
                twin = backend.async_backend()
                assert twin is not None
                async with twin:
                    results = await twin.publish_many(_records(100))
            backend.close()
            outcomes.append([(r.ok, r.attempts) for r in results])
        assert outcomes[0] == outcomes[1]
        assert max(attempts for _, attempts in outcomes[1]) >= 2

    async def test_gives_up_with_the_aws_code(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """When attempts run out, the failure carries the code and says why it stopped."""
        kinesis.faults.fail_entries(THROTTLED, every=1)
        kinesis.faults.fail(THROTTLED, operation="PutRecord", times=10)
        twin = _backend(server, max_attempts=2, base_delay=0.001).async_backend()
        assert twin is not None
        async with twin:
            (failure,) = await twin.publish_many(_records(1))
            with pytest.raises(ThrottledError, match="gave up after 2 attempt"):
                await twin.publish(Record(b"x", "k"))
        assert isinstance(failure, PublishFailure)
        assert (THROTTLED, 2) == (failure.code, failure.attempts)

    async def test_async_publisher_picks_the_twin(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """AsyncPublisher('kinesis') sends through aiobotocore; ordered events stay in order."""
        manager = make_plugin_manager(load_entry_points=False)
        from eventwire_kinesis import plugin

        manager.register(plugin)
        async with AsyncPublisher(
            "kinesis", stream=STREAM, endpoint_url=server.url, region="us-east-1",
            source="test", plugin_manager=manager,
        ) as publisher:  # fmt: skip
            assert isinstance(publisher.backend, AsyncKinesisBackend)
            for step in range(5):
                await publisher.publish(Shipped(order="o1", step=step))
            results = await publisher.publish_many([Shipped(order="o2", step=s) for s in range(5)])
        assert all(result.ok for result in results)
        stored = [r for r in read_records(kinesis, STREAM) if r.partition_key in ("o1", "o2")]
        assert 10 == len(stored)

    async def test_closed_twin_refuses(self, server: EmulatorServer) -> None:
        """After aclose, calls raise PublisherClosedError."""
        from eventwire import PublisherClosedError

        twin = _backend(server).async_backend()
        assert twin is not None
        await twin.aclose()
        with pytest.raises(PublisherClosedError):
            await twin.publish(Record(b"x", "k"))

    def test_caller_client_has_no_twin(
        self, server: EmulatorServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A caller's boto3 client cannot be copied: such a backend runs in threads, and says so."""
        backend = _backend(server)
        with caplog.at_level("INFO", logger="eventwire.kinesis"):
            assert KinesisBackend(STREAM, client=backend.client).async_backend() is None
        backend.close()
        assert "run this backend in threads" in caplog.text


class TestAsyncProducerOnAiobotocore:
    """AsyncProducer('kinesis') sends through the single-attempt twin's aiobotocore twin."""

    async def test_delivers_through_throttling(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """Throttled entries come back to the producer, which retries them until delivered."""
        from eventwire import AsyncProducer

        kinesis.faults.fail_entries(THROTTLED, every=5, times=20)
        backend = _backend(server)
        twin = backend.single_attempt().async_backend()
        assert isinstance(twin, AsyncKinesisBackend)
        assert 1 == twin.retry.max_attempts  # the producer is the retry layer
        await twin.aclose()
        manager = make_plugin_manager(load_entry_points=False)
        async with AsyncProducer(backend, source="test", plugin_manager=manager) as producer:
            futures = [
                await producer.publish(Shipped(order=f"o{n % 7}", step=n)) for n in range(60)
            ]
            assert await producer.flush(30.0)
        assert all(future.result().ok for future in futures)
        stats = producer.stats
        assert stats.throttled_records > 0
        assert 60 + stats.throttled_records == stats.kinesis_records  # one resend per throttle
        stored = [r for r in read_records(kinesis, STREAM) if r.partition_key.startswith("o")]
        assert 60 == len(stored)
