"""Producers driving KinesisBackend: single-attempt sends, error classification, LocalStack."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config

from eventwire import (
    PermissionDeniedError,
    Producer,
    ProducerSettings,
    PublishFailure,
    PublishReceipt,
    StreamNotFoundError,
    default_registry,
)
from eventwire.backends import Record
from eventwire.producer import ManualClock
from eventwire_emulator.boto import client
from eventwire_emulator.model import Kinesis
from eventwire_emulator.reading import read_records
from eventwire_kinesis import KinesisBackend, RetryPolicy

from .test_localstack_kinesis import LocalStackOrder, read_all

if TYPE_CHECKING:
    from tests.integration.conftest import LocalStack

STREAM = "orders"


class Naps:
    """The backend's sleeper: any nap means the backend retried on its own."""

    def __init__(self) -> None:
        self.naps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.naps.append(seconds)


def _setup(shards: int = 2) -> tuple[Kinesis, KinesisBackend, Naps]:
    kinesis = Kinesis()
    kinesis.create_stream(STREAM, shards)
    naps = Naps()
    # botocore's own retries off, so every injected fault reaches the producer.
    boto = client(kinesis, config=Config(retries={"total_max_attempts": 1}))
    backend = KinesisBackend(STREAM, client=boto, retry=RetryPolicy(max_attempts=5), sleep=naps)
    return kinesis, backend, naps


def _records(count: int, keys: int = 10) -> list[Record]:
    return [Record(f"{i:06d}".encode(), f"key-{i % keys}", event_id=str(i)) for i in range(count)]


def _run(backend: KinesisBackend, records: list[Record]) -> tuple[Producer, list[Any]]:
    producer = Producer(
        backend,
        background=False,
        clock=ManualClock(),
        settings=ProducerSettings(linger=0, retry_base=0.01, retry_cap=0.05),
    )
    futures = [producer.publish_record(record) for record in records]
    producer.flush(timeout=60)
    return producer, [future.result(timeout=0) for future in futures]


def _stored(kinesis: Kinesis) -> dict[str, list[bytes]]:
    by_key: dict[str, list[bytes]] = defaultdict(list)
    for stored in read_records(kinesis, STREAM):
        by_key[stored.partition_key].append(stored.data)
    return by_key


def _expected(records: list[Record]) -> dict[str, list[bytes]]:
    by_key: dict[str, list[bytes]] = defaultdict(list)
    for record in records:
        by_key[record.partition_key].append(record.data)
    return by_key


class TestSingleAttempt:
    """single_attempt() gives the producer a backend that never retries on its own."""

    def test_twin_shares_client_and_makes_one_attempt(self) -> None:
        """The twin uses the same client and stream with max_attempts=1; closing it keeps both."""
        _, backend, _ = _setup()
        twin = backend.single_attempt()
        assert backend.client is twin.client
        assert (STREAM, 1) == (twin.stream, twin.retry.max_attempts)
        twin.close()
        assert isinstance(backend.publish(Record(b"x", "k")), PublishReceipt)
        backend.close()

    def test_backend_never_naps_under_a_producer(self) -> None:
        """Throttled entries come back to the producer at once: the backend never sleeps."""
        kinesis, backend, naps = _setup()
        kinesis.faults.fail_entries("ProvisionedThroughputExceededException", every=3, times=40)
        records = _records(200)
        producer, results = _run(backend, records)
        assert [] == producer.close()
        assert [] == naps.naps
        assert all(isinstance(result, PublishReceipt) for result in results)


class TestClassification:
    """KinesisBackend's errors are throttling, retryable or fatal to the producer."""

    def test_throttling_is_retried_and_paced(self) -> None:
        """Throttled entries are counted as throttled, retried and delivered in key order."""
        kinesis, backend, _ = _setup()
        kinesis.faults.fail_entries(
            "ProvisionedThroughputExceededException", fraction=0.3, seed=3, times=100
        )
        records = _records(300)
        producer, results = _run(backend, records)
        producer.close()
        assert 100 == producer.stats.throttled_records
        assert all(isinstance(result, PublishReceipt) for result in results)
        assert _expected(records) == _stored(kinesis)

    def test_internal_failure_is_retried_not_throttled(self) -> None:
        """InternalFailure entries are retried without counting as throttling."""
        kinesis, backend, _ = _setup()
        kinesis.faults.fail_entries("InternalFailure", every=4, times=20)
        records = _records(100)
        producer, results = _run(backend, records)
        producer.close()
        stats = producer.stats
        assert (0, 20) == (stats.throttled_records, stats.retried_records)
        assert _expected(records) == _stored(kinesis)
        assert all(isinstance(result, PublishReceipt) for result in results)

    @pytest.mark.parametrize(
        ("code", "error"),
        [
            ("AccessDeniedException", PermissionDeniedError),
            ("ResourceNotFoundException", StreamNotFoundError),
            ("KMSAccessDeniedException", PermissionDeniedError),
        ],
    )
    def test_fatal_errors_fail_without_retry(self, code: str, error: type[Exception]) -> None:
        """A fatal whole-call error fails every record in the request after one attempt."""
        kinesis, backend, _ = _setup()
        kinesis.faults.fail(code, operation="PutRecords", times=1)
        producer, results = _run(backend, _records(5))
        producer.close()
        assert all(isinstance(result, PublishFailure) for result in results)
        assert {(error, 1)} == {(type(r.error), r.attempts) for r in results}
        assert 0 == producer.stats.retried_records


class TestLocalStack:
    """A Producer on the localstack backend, read back from real LocalStack."""

    def test_producer_round_trip(self, localstack: LocalStack) -> None:
        """Events published through a Producer read back equal from LocalStack."""
        kinesis_client = localstack.client()
        stream = f"eventwire-producer-{uuid.uuid4().hex[:8]}"
        kinesis_client.create_stream(StreamName=stream, ShardCount=2)
        kinesis_client.get_waiter("stream_exists").wait(
            StreamName=stream, WaiterConfig={"Delay": 0.5, "MaxAttempts": 120}
        )
        events = [LocalStackOrder(customer=f"customer-{n % 4}", n=n) for n in range(40)]
        with Producer(
            "localstack", stream=stream, source="it", endpoint_url=localstack.endpoint_url
        ) as producer:
            futures = [producer.publish(event) for event in events]
            assert producer.flush(timeout=60)
        results = [future.result(timeout=0) for future in futures]
        assert all(isinstance(result, PublishReceipt) for result in results)
        stored = read_all(kinesis_client, stream)
        decoded = {
            event.id: event
            for data in stored.values()
            for event in map(default_registry.decode, data)
        }
        assert [e.model_copy(update={"source": "it"}) for e in events] == [
            decoded[e.id] for e in events
        ]
