"""The ``localstack`` backend against a real LocalStack: publish typed events, read them back."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from eventwire import Event, Publisher, PublishReceipt, default_registry
from eventwire_emulator.model import Kinesis, hash_partition_key

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

    from tests.integration.conftest import LocalStack

SHARDS = 3


class LocalStackOrder(Event, event_type="com.example.localstack.order", partition_key="customer"):
    customer: str
    n: int


@pytest.fixture
def stream(localstack: LocalStack) -> str:
    """A fresh ACTIVE stream of ``SHARDS`` shards in LocalStack."""
    client = localstack.client()
    name = f"eventwire-it-{uuid.uuid4().hex[:8]}"
    client.create_stream(StreamName=name, ShardCount=SHARDS)
    client.get_waiter("stream_exists").wait(
        StreamName=name, WaiterConfig={"Delay": 0.5, "MaxAttempts": 120}
    )
    return name


@pytest.fixture
def localstack_env(localstack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the ``localstack`` backend at the session's LocalStack, and only there."""
    monkeypatch.setenv("LOCALSTACK_HOST", localstack.host)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_KINESIS", raising=False)


def read_all(client: KinesisClient, stream: str) -> dict[str, list[bytes]]:
    """Every record of every shard, by shard id, via GetShardIterator/GetRecords."""
    found: dict[str, list[bytes]] = {}
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        data: list[bytes] = []
        while True:
            page = client.get_records(ShardIterator=iterator, Limit=1000)
            data.extend(record["Data"] for record in page["Records"])
            if not page["Records"] or "NextShardIterator" not in page:
                break
            iterator = page["NextShardIterator"]
        found[shard["ShardId"]] = data
    return found


def model_routing(keys: list[str]) -> dict[str, str]:
    """The shard the emulator model routes each key to, for the same shard count."""
    model = Kinesis()
    model.create_stream("routing", SHARDS)
    shards = model.list_shards("routing").shards
    return {
        key: next(s.shard_id for s in shards if s.hash_key_range.contains(hash_partition_key(key)))
        for key in keys
    }


@pytest.mark.usefixtures("localstack_env")
class TestLocalStackBackend:
    """Publisher("localstack") writes typed events LocalStack stores and routes like Kinesis."""

    def test_single_and_batched_events_round_trip(
        self, localstack: LocalStack, stream: str
    ) -> None:
        """Events published one by one and in a batch read back as equal typed events."""
        events = [LocalStackOrder(customer=f"customer-{n % 5}", n=n) for n in range(25)]
        with Publisher("localstack", stream=stream, source="it") as publisher:
            assert "localstack" == publisher.backend.name
            first = publisher.publish(events[0])
            rest = publisher.publish_many(events[1:])
        receipts = [first, *rest]
        assert all(isinstance(r, PublishReceipt) for r in receipts)
        stored = read_all(localstack.client(), stream)
        decoded = {
            event.id: (shard_id, event)
            for shard_id, data in stored.items()
            for event in map(default_registry.decode, data)
        }
        expected = [e.model_copy(update={"source": "it"}) for e in events]
        assert expected == [decoded[e.id][1] for e in events]
        assert [r.shard_id for r in receipts] == [decoded[e.id][0] for e in events]

    def test_shards_agree_with_the_emulator_routing(self, stream: str) -> None:
        """LocalStack routes each key to the shard the emulator model would pick."""
        keys = [f"key-{n}" for n in range(40)]
        events = [LocalStackOrder(customer=key, n=n) for n, key in enumerate(keys)]
        with Publisher("localstack", stream=stream, source="it") as publisher:
            results = publisher.publish_many(events)
            shards = publisher.backend.shards()
        assert shards is not None
        assert SHARDS == len(shards)
        routing = model_routing(keys)
        assert [routing[key] for key in keys] == [
            r.shard_id for r in results if isinstance(r, PublishReceipt)
        ]
        assert [routing[key] for key in keys] == [
            next(s.shard_id for s in shards if s.owns(hash_partition_key(key))) for key in keys
        ]
