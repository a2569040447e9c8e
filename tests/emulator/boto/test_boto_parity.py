"""The same scenarios give the same answers through the model directly and through boto3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from eventwire_emulator import boto
from eventwire_emulator.model import Kinesis, ManualClock, ModelError
from eventwire_emulator.wire import aws_error

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

Put = tuple[str, str] | str  # (shard, sequence number) or an error code


class Driver(Protocol):
    """One way of talking to an emulated account."""

    kinesis: Kinesis

    def create(self, name: str, shards: int) -> None: ...
    def put(self, name: str, data: bytes, key: str, hash_key: str | None = None) -> Put: ...
    def put_batch(self, name: str, entries: list[tuple[bytes, str]]) -> list[Put]: ...
    def split(self, name: str, shard: str, at: int) -> None: ...
    def merge(self, name: str, shard: str, adjacent: str) -> None: ...
    def shards(self, name: str) -> list[tuple[str, str | None, str, str]]: ...
    def read(self, name: str, shard: str) -> list[tuple[str, bytes, str]]: ...


class ModelDriver:
    """Calls the model's methods; errors are named with the wire's table."""

    def __init__(self, kinesis: Kinesis) -> None:
        self.kinesis = kinesis

    def create(self, name: str, shards: int) -> None:
        self.kinesis.create_stream(name, shards)

    def put(self, name: str, data: bytes, key: str, hash_key: str | None = None) -> Put:
        try:
            result = self.kinesis.put_record(name, data, key, explicit_hash_key=hash_key)
        except ModelError as exc:
            return aws_error(exc).code
        return (result.shard_id, result.sequence_number)

    def put_batch(self, name: str, entries: list[tuple[bytes, str]]) -> list[Put]:
        result = self.kinesis.put_records(name, [(data, key, None) for data, key in entries])
        return [
            aws_error(r.error).code if r.error else (str(r.shard_id), str(r.sequence_number))
            for r in result.records
        ]

    def split(self, name: str, shard: str, at: int) -> None:
        self.kinesis.split_shard(name, shard, str(at))

    def merge(self, name: str, shard: str, adjacent: str) -> None:
        self.kinesis.merge_shards(name, shard, adjacent)

    def shards(self, name: str) -> list[tuple[str, str | None, str, str]]:
        return [
            (s.shard_id, s.parent_shard_id, str(s.hash_key_range.start), str(s.hash_key_range.end))
            for s in self.kinesis.list_shards(name).shards
        ]

    def read(self, name: str, shard: str) -> list[tuple[str, bytes, str]]:
        iterator: str | None = self.kinesis.get_shard_iterator(name, shard, "TRIM_HORIZON")
        out: list[tuple[str, bytes, str]] = []
        while iterator is not None:
            result = self.kinesis.get_records(iterator)
            out += [(r.sequence_number, r.data, r.partition_key) for r in result.records]
            if not result.records:
                break
            iterator = result.next_shard_iterator
        return out


class BotoDriver:
    """Calls a boto3 client served by the same kind of model."""

    def __init__(self, kinesis: Kinesis) -> None:
        self.kinesis = kinesis
        self.client: KinesisClient = boto.client(
            kinesis, config=Config(retries={"total_max_attempts": 1})
        )

    def create(self, name: str, shards: int) -> None:
        self.client.create_stream(StreamName=name, ShardCount=shards)

    def put(self, name: str, data: bytes, key: str, hash_key: str | None = None) -> Put:
        extra: dict[str, Any] = {} if hash_key is None else {"ExplicitHashKey": hash_key}
        try:
            result = self.client.put_record(StreamName=name, Data=data, PartitionKey=key, **extra)
        except ClientError as exc:
            return str(exc.response["Error"]["Code"])
        return (result["ShardId"], result["SequenceNumber"])

    def put_batch(self, name: str, entries: list[tuple[bytes, str]]) -> list[Put]:
        result = self.client.put_records(
            StreamName=name, Records=[{"Data": d, "PartitionKey": k} for d, k in entries]
        )
        return [
            r["ErrorCode"] if "ErrorCode" in r else (r["ShardId"], r["SequenceNumber"])
            for r in result["Records"]
        ]

    def split(self, name: str, shard: str, at: int) -> None:
        self.client.split_shard(StreamName=name, ShardToSplit=shard, NewStartingHashKey=str(at))

    def merge(self, name: str, shard: str, adjacent: str) -> None:
        self.client.merge_shards(StreamName=name, ShardToMerge=shard, AdjacentShardToMerge=adjacent)

    def shards(self, name: str) -> list[tuple[str, str | None, str, str]]:
        return [
            (
                s["ShardId"],
                s.get("ParentShardId"),
                s["HashKeyRange"]["StartingHashKey"],
                s["HashKeyRange"]["EndingHashKey"],
            )
            for s in self.client.list_shards(StreamName=name)["Shards"]
        ]

    def read(self, name: str, shard: str) -> list[tuple[str, bytes, str]]:
        iterator: str | None = self.client.get_shard_iterator(
            StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        out: list[tuple[str, bytes, str]] = []
        while iterator is not None:
            result = self.client.get_records(ShardIterator=iterator)
            out += [(r["SequenceNumber"], r["Data"], r["PartitionKey"]) for r in result["Records"]]
            if not result["Records"]:
                break
            iterator = result.get("NextShardIterator")
        return out


def resharding_scenario(driver: Driver) -> list[Any]:
    answers: list[Any] = []
    driver.create("s", 3)
    answers += [driver.put("s", f"r{i}".encode(), f"key-{i}") for i in range(20)]
    answers.append(driver.put("s", b"pinned", "k", hash_key=str(2**128 - 1)))
    answers.append(driver.put("s", b"bad", "k", hash_key=str(2**128)))
    answers.append(driver.put("missing", b"x", "k"))
    driver.kinesis.faults.fail_entries("ProvisionedThroughputExceededException", every=4)
    answers.append(driver.put_batch("s", [(f"b{i}".encode(), f"key-{i}") for i in range(10)]))
    driver.kinesis.faults.clear()
    driver.split("s", "shardId-000000000000", 2**126)
    driver.merge("s", "shardId-000000000001", "shardId-000000000002")
    answers += [driver.put("s", f"after{i}".encode(), f"key-{i}") for i in range(10)]
    shards = driver.shards("s")
    answers.append(shards)
    answers += [driver.read("s", shard_id) for shard_id, *_ in shards]
    return answers


class TestParity:
    """Model and boto3 agree on shard ids, sequence numbers, order and failures."""

    @pytest.mark.parametrize("scenario", [resharding_scenario])
    def test_same_answers(self, scenario: Any) -> None:
        direct = scenario(ModelDriver(Kinesis(clock=ManualClock())))
        via_boto = scenario(BotoDriver(Kinesis(clock=ManualClock())))
        assert direct == via_boto

    def test_scenario_is_not_trivial(self) -> None:
        answers = resharding_scenario(ModelDriver(Kinesis(clock=ManualClock())))
        assert ["InvalidArgumentException", "ResourceNotFoundException"] == answers[21:23]
        assert 2 == sum(isinstance(entry, str) for entry in answers[23])
        assert 6 == len(answers[24 + 10])
