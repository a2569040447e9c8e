"""Every JSON response conforms to its operation's output shape in the service model."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from eventwire_emulator.model import Kinesis
from tests.emulator.wire.conftest import Client
from tests.emulator.wire.test_wire_shapes import SERVICE, SHAPES

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"


def conform(value: Any, name: str, where: str) -> None:
    spec = SHAPES[name]
    kind = spec["type"]
    if kind == "structure":
        assert isinstance(value, dict), where
        assert set(value) <= set(spec["members"]), (where, set(value) - set(spec["members"]))
        assert set(spec.get("required", [])) <= set(value), where
        for member, item in value.items():
            conform(item, spec["members"][member]["shape"], f"{where}.{member}")
    elif kind == "list":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            conform(item, spec["member"]["shape"], f"{where}[{index}]")
    elif kind == "string":
        assert isinstance(value, str), where
        if "enum" in spec:
            assert value in spec["enum"], where
    elif kind in ("integer", "long"):
        assert type(value) is int, where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "timestamp":
        assert type(value) in (int, float), where
    elif kind == "blob":
        base64.b64decode(value, validate=True)
    else:  # pragma: no cover
        pytest.fail(f"unexpected output type {kind} at {where}")


class Checked(Client):
    """A client that checks each successful response against the output shape."""

    def ok(self, operation: str, **members: Any) -> dict[str, Any]:
        document = super().ok(operation, **members)
        output = SERVICE["operations"][operation].get("output")
        if output is None:
            assert {} == document
        else:
            conform(document, output["shape"], operation)
        return document


@pytest.fixture
def checked(client: Client) -> Checked:
    return Checked(client.wire)


class TestOutputShapes:
    """A scenario touching every JSON operation produces only well-shaped documents."""

    def test_every_operation(self, checked: Checked) -> None:
        c = checked
        c.ok("CreateStream", StreamName="s", ShardCount=2, Tags={"a": "1"})
        c.ok("CreateStream", StreamName="o", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        c.ok("PutRecord", StreamName="s", Data="aGk=", PartitionKey="k")
        c.ok("PutRecords", StreamName="s", Records=[{"Data": "", "PartitionKey": "k"}] * 3)
        c.ok(
            "SplitShard",
            StreamName="s",
            ShardToSplit="shardId-000000000000",
            NewStartingHashKey="1",
        )
        c.ok(
            "MergeShards",
            StreamName="s",
            ShardToMerge="shardId-000000000002",
            AdjacentShardToMerge="shardId-000000000003",
        )
        c.ok("DescribeStream", StreamName="s")
        c.ok("DescribeStreamSummary", StreamName="s")
        c.ok("ListStreams", Limit=1)
        c.ok("ListShards", StreamName="s", MaxResults=2)
        iterator = c.ok(
            "GetShardIterator",
            StreamName="s",
            ShardId="shardId-000000000000",
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        records = c.ok("GetRecords", ShardIterator=iterator)
        assert "ChildShards" in records  # the split closed this shard: read to its end
        iterator = c.ok(
            "GetShardIterator",
            StreamName="s",
            ShardId="shardId-000000000001",
            ShardIteratorType="LATEST",
        )["ShardIterator"]
        c.ok(
            "GetRecords",
            ShardIterator=c.ok("GetRecords", ShardIterator=iterator)["NextShardIterator"],
        )
        c.ok("CreateStream", StreamName="p", ShardCount=1)
        c.ok("UpdateShardCount", StreamName="p", TargetShardCount=2, ScalingType="UNIFORM_SCALING")
        c.ok("IncreaseStreamRetentionPeriod", StreamName="s", RetentionPeriodHours=48)
        c.ok("DecreaseStreamRetentionPeriod", StreamName="s", RetentionPeriodHours=24)
        c.ok(
            "StartStreamEncryption", StreamName="s", EncryptionType="KMS", KeyId="alias/aws/kinesis"
        )
        c.ok("DescribeStream", StreamName="s")
        c.ok(
            "StopStreamEncryption", StreamName="s", EncryptionType="KMS", KeyId="alias/aws/kinesis"
        )
        c.ok("EnableEnhancedMonitoring", StreamName="s", ShardLevelMetrics=["ALL"])
        c.ok("DisableEnhancedMonitoring", StreamName="s", ShardLevelMetrics=["IncomingBytes"])
        c.ok("UpdateStreamMode", StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        c.ok("UpdateMaxRecordSize", StreamARN=ARN, MaxRecordSizeInKiB=4096)
        c.ok("AddTagsToStream", StreamName="s", Tags={"b": "2"})
        c.ok("ListTagsForStream", StreamName="s")
        c.ok("RemoveTagsFromStream", StreamName="s", TagKeys=["b"])
        c.ok("TagResource", ResourceARN=ARN, Tags={"c": "3"})
        c.ok("ListTagsForResource", ResourceARN=ARN)
        c.ok("UntagResource", ResourceARN=ARN, TagKeys=["c"])
        c.ok("DescribeLimits")
        consumer = c.ok("RegisterStreamConsumer", StreamARN=ARN, ConsumerName="c")["Consumer"]
        c.ok("DescribeStreamConsumer", ConsumerARN=consumer["ConsumerARN"])
        c.ok("ListStreamConsumers", StreamARN=ARN)
        c.ok("DeregisterStreamConsumer", ConsumerARN=consumer["ConsumerARN"])
        c.ok("DeleteStream", StreamName="o")

    def test_put_records_failures(self, checked: Checked) -> None:
        checked.ok("CreateStream", StreamName="s", ShardCount=1)
        checked.wire.kinesis.faults.fail_entries("InternalFailure", 'quote " and \\ back', every=2)
        result = checked.ok(
            "PutRecords", StreamName="s", Records=[{"Data": "", "PartitionKey": "k"}] * 2
        )
        assert {"ErrorCode": "InternalFailure", "ErrorMessage": 'quote " and \\ back'} == result[
            "Records"
        ][1]


class TestPutRecordOutput:
    """PutRecordOutput (API reference, PutRecord): ShardId, SequenceNumber, EncryptionType."""

    def test_members_are_the_models(self, client: Client, kinesis: Kinesis) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=2)
        answer = client.ok("PutRecord", StreamName="s", Data="aGk=", PartitionKey="k")
        record = kinesis.get_records(
            kinesis.get_shard_iterator("s", answer["ShardId"], "TRIM_HORIZON")
        ).records[0]
        assert {
            "ShardId": answer["ShardId"],
            "SequenceNumber": record.sequence_number,
            "EncryptionType": "NONE",
        } == answer

    def test_encryption_type_of_an_encrypted_stream(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        client.ok(
            "StartStreamEncryption", StreamName="s", EncryptionType="KMS", KeyId="alias/aws/kinesis"
        )
        answer = client.ok("PutRecord", StreamName="s", Data="aGk=", PartitionKey="k")
        assert ("KMS", "shardId-000000000000") == (answer["EncryptionType"], answer["ShardId"])
