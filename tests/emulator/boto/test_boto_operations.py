"""Every operation through a real boto3 client, errors as ClientError, and SubscribeToShard."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from eventwire_emulator.model import Kinesis, ManualClock

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
SHARD0 = "shardId-000000000000"


@pytest.fixture
def stream(client: KinesisClient) -> str:
    client.create_stream(StreamName="s", ShardCount=2)
    return "s"


class TestStreams:
    """Stream lifecycle and description operations."""

    def test_describe_stream(self, client: KinesisClient, stream: str) -> None:
        description = client.describe_stream(StreamName=stream)["StreamDescription"]
        assert (ARN, "ACTIVE", 24, False) == (
            description["StreamARN"],
            description["StreamStatus"],
            description["RetentionPeriodHours"],
            description["HasMoreShards"],
        )
        assert isinstance(description["StreamCreationTimestamp"], datetime)
        assert ["0", str(2**127)] == [
            s["HashKeyRange"]["StartingHashKey"] for s in description["Shards"]
        ]

    def test_describe_stream_summary(self, client: KinesisClient, stream: str) -> None:
        summary = client.describe_stream_summary(StreamARN=ARN)["StreamDescriptionSummary"]
        assert (2, 0, "PROVISIONED") == (
            summary["OpenShardCount"],
            summary["ConsumerCount"],
            summary["StreamModeDetails"]["StreamMode"],
        )

    def test_list_streams_and_delete(self, client: KinesisClient, stream: str) -> None:
        client.create_stream(StreamName="t", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        listed = client.list_streams()
        assert ["s", "t"] == listed["StreamNames"]
        assert ["PROVISIONED", "ON_DEMAND"] == [
            s["StreamModeDetails"]["StreamMode"] for s in listed["StreamSummaries"]
        ]
        client.delete_stream(StreamName="t")
        assert ["s"] == client.list_streams()["StreamNames"]

    def test_describe_limits(self, client: KinesisClient, stream: str) -> None:
        limits = client.describe_limits()
        assert (500, 2) == (limits["ShardLimit"], limits["OpenShardCount"])

    def test_list_shards_paginates(self, client: KinesisClient, stream: str) -> None:
        first = client.list_shards(StreamName=stream, MaxResults=1)
        second = client.list_shards(NextToken=first["NextToken"])
        assert [SHARD0, "shardId-000000000001"] == [
            s["ShardId"] for s in first["Shards"] + second["Shards"]
        ]

    def test_settings(self, client: KinesisClient, stream: str) -> None:
        client.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
        client.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=36)
        client.start_stream_encryption(
            StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis"
        )
        enabled = client.enable_enhanced_monitoring(
            StreamName=stream, ShardLevelMetrics=["IncomingBytes"]
        )
        assert ["IncomingBytes"] == enabled["DesiredShardLevelMetrics"]
        client.disable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["ALL"])
        client.update_max_record_size(StreamARN=ARN, MaxRecordSizeInKiB=2048)
        summary = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        assert (36, "KMS", 2048) == (
            summary["RetentionPeriodHours"],
            summary["EncryptionType"],
            summary["MaxRecordSizeInKiB"],
        )
        assert (
            "KMS"
            == client.put_record(StreamName=stream, Data=b"x", PartitionKey="k")["EncryptionType"]
        )
        client.stop_stream_encryption(
            StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis"
        )
        client.update_stream_mode(StreamARN=ARN, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        summary = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        assert ("NONE", "ON_DEMAND") == (
            summary["EncryptionType"],
            summary["StreamModeDetails"]["StreamMode"],
        )


class TestResharding:
    """Split, merge and UpdateShardCount."""

    def test_split_and_merge(self, client: KinesisClient, stream: str) -> None:
        client.split_shard(StreamName=stream, ShardToSplit=SHARD0, NewStartingHashKey=str(2**126))
        client.merge_shards(
            StreamName=stream,
            ShardToMerge="shardId-000000000002",
            AdjacentShardToMerge="shardId-000000000003",
        )
        shards = client.list_shards(StreamName=stream)["Shards"]
        merged = shards[-1]
        assert ("shardId-000000000004", "shardId-000000000002", "shardId-000000000003") == (
            merged["ShardId"],
            merged["ParentShardId"],
            merged["AdjacentParentShardId"],
        )
        assert "EndingSequenceNumber" in shards[0]["SequenceNumberRange"]

    def test_update_shard_count(self, client: KinesisClient, stream: str) -> None:
        result = client.update_shard_count(
            StreamName=stream, TargetShardCount=4, ScalingType="UNIFORM_SCALING"
        )
        assert (2, 4) == (result["CurrentShardCount"], result["TargetShardCount"])
        assert (
            4
            == client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
                "OpenShardCount"
            ]
        )


class TestRecords:
    """PutRecords and reading back with iterators."""

    def test_put_records_and_read_in_order(self, client: KinesisClient, stream: str) -> None:
        result = client.put_records(
            StreamName=stream,
            Records=[
                {"Data": str(i).encode(), "PartitionKey": "k", "ExplicitHashKey": "1"}
                for i in range(5)
            ],
        )
        assert 0 == result["FailedRecordCount"]
        assert [SHARD0] * 5 == [r["ShardId"] for r in result["Records"]]
        iterator = client.get_shard_iterator(
            StreamName=stream,
            ShardId=SHARD0,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            StartingSequenceNumber=result["Records"][1]["SequenceNumber"],
        )["ShardIterator"]
        got = client.get_records(ShardIterator=iterator, Limit=2)
        assert [b"2", b"3"] == [r["Data"] for r in got["Records"]]
        assert [b"4"] == [
            r["Data"] for r in client.get_records(ShardIterator=got["NextShardIterator"])["Records"]
        ]

    def test_at_timestamp(self, client: KinesisClient, stream: str, clock: ManualClock) -> None:
        client.put_record(StreamName=stream, Data=b"old", PartitionKey="k", ExplicitHashKey="0")
        clock.advance(60)
        client.put_record(StreamName=stream, Data=b"new", PartitionKey="k", ExplicitHashKey="0")
        iterator = client.get_shard_iterator(
            StreamName=stream,
            ShardId=SHARD0,
            ShardIteratorType="AT_TIMESTAMP",
            Timestamp=datetime.fromtimestamp(clock.now() - 30),
        )["ShardIterator"]
        assert [b"new"] == [
            r["Data"] for r in client.get_records(ShardIterator=iterator)["Records"]
        ]


class TestTags:
    """Stream and resource tags."""

    def test_stream_tags(self, client: KinesisClient, stream: str) -> None:
        client.add_tags_to_stream(StreamName=stream, Tags={"b": "2", "a": "1", "c": "3"})
        client.remove_tags_from_stream(StreamName=stream, TagKeys=["c"])
        listed = client.list_tags_for_stream(StreamName=stream, Limit=1)
        assert ([{"Key": "a", "Value": "1"}], True) == (listed["Tags"], listed["HasMoreTags"])

    def test_resource_tags(self, client: KinesisClient, stream: str) -> None:
        client.tag_resource(ResourceARN=ARN, Tags={"team": "data"})
        client.untag_resource(ResourceARN=ARN, TagKeys=["nope"])
        assert [{"Key": "team", "Value": "data"}] == client.list_tags_for_resource(ResourceARN=ARN)[
            "Tags"
        ]


class TestConsumers:
    """Enhanced fan-out consumers and SubscribeToShard read with boto3."""

    def test_lifecycle(self, client: KinesisClient, stream: str) -> None:
        consumer = client.register_stream_consumer(
            StreamARN=ARN, ConsumerName="c", Tags={"k": "v"}
        )["Consumer"]
        described = client.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])[
            "ConsumerDescription"
        ]
        assert (ARN, "ACTIVE") == (described["StreamARN"], described["ConsumerStatus"])
        assert [{"Key": "k", "Value": "v"}] == client.list_tags_for_resource(
            ResourceARN=consumer["ConsumerARN"]
        )["Tags"]
        assert ["c"] == [
            c["ConsumerName"] for c in client.list_stream_consumers(StreamARN=ARN)["Consumers"]
        ]
        client.deregister_stream_consumer(StreamARN=ARN, ConsumerName="c")
        assert [] == client.list_stream_consumers(StreamARN=ARN)["Consumers"]

    def test_subscribe_to_shard(self, client: KinesisClient, stream: str) -> None:
        arn = client.register_stream_consumer(StreamARN=ARN, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        client.put_record(StreamName=stream, Data=b"hello", PartitionKey="k", ExplicitHashKey="0")
        response = client.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD0, StartingPosition={"Type": "TRIM_HORIZON"}
        )
        events = response["EventStream"]
        first = next(iter(events))["SubscribeToShardEvent"]
        events.close()
        assert [b"hello"] == [r["Data"] for r in first["Records"]]
        assert first["Records"][0]["SequenceNumber"] == first["ContinuationSequenceNumber"]

    def test_subscription_runs_to_its_end(self, client: KinesisClient, stream: str) -> None:
        arn = client.register_stream_consumer(StreamARN=ARN, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        response = client.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD0, StartingPosition={"Type": "LATEST"}
        )
        assert 60 == pytest.approx(len(list(response["EventStream"])), abs=2)

    def test_one_subscription_per_consumer_and_shard(
        self, client: KinesisClient, stream: str, clock: ManualClock
    ) -> None:
        arn = client.register_stream_consumer(StreamARN=ARN, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        position: Any = {"Type": "LATEST"}
        events = client.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD0, StartingPosition=position
        )["EventStream"]
        with pytest.raises(client.exceptions.LimitExceededException):
            client.subscribe_to_shard(ConsumerARN=arn, ShardId=SHARD0, StartingPosition=position)
        clock.advance(1)
        with pytest.raises(client.exceptions.ResourceInUseException):
            client.subscribe_to_shard(ConsumerARN=arn, ShardId=SHARD0, StartingPosition=position)
        events.close()
        clock.advance(1)
        again = client.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD0, StartingPosition=position
        )["EventStream"]
        assert "SubscribeToShardEvent" in next(iter(again))
        again.close()

    def test_deregistration_ends_the_event_stream(self, client: KinesisClient, stream: str) -> None:
        arn = client.register_stream_consumer(StreamARN=ARN, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        response = client.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD0, StartingPosition={"Type": "LATEST"}
        )
        events = iter(response["EventStream"])
        next(events)
        client.deregister_stream_consumer(ConsumerARN=arn)
        with pytest.raises(Exception, match=r"ResourceNotFoundException.*was deregistered"):
            list(events)

    def test_in_stream_error_raises(self, client: KinesisClient, stream: str) -> None:
        arn = client.register_stream_consumer(StreamARN=ARN, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        response = client.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD0, StartingPosition={"Type": "LATEST"}
        )
        events = iter(response["EventStream"])
        next(events)
        client.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)
        with pytest.raises(Exception, match="ResourceNotFoundException"):
            next(events)


class TestErrors:
    """Errors surface as ClientError with AWS's code and status, and as modeled classes."""

    @pytest.mark.parametrize(
        ("call", "code"),
        [
            (lambda c: c.describe_stream(StreamName="missing"), "ResourceNotFoundException"),
            (lambda c: c.create_stream(StreamName="s", ShardCount=1), "ResourceInUseException"),
            (lambda c: c.describe_stream(StreamName="x" * 129), "ValidationException"),
            (
                lambda c: c.put_record(
                    StreamName="s", Data=b"", PartitionKey="k", ExplicitHashKey=str(2**128)
                ),
                "InvalidArgumentException",
            ),
            (
                lambda c: c.create_stream(StreamName="big", ShardCount=1000),
                "LimitExceededException",
            ),
            (lambda c: c.get_records(ShardIterator="garbage"), "InvalidArgumentException"),
        ],
    )
    def test_client_error_code(
        self, client: KinesisClient, stream: str, call: object, code: str
    ) -> None:
        with pytest.raises(ClientError) as caught:
            call(client)  # type: ignore[operator]
        assert (code, 400) == (
            caught.value.response["Error"]["Code"],
            caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
        )

    def test_modeled_exception_class(self, client: KinesisClient) -> None:
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_stream(StreamName="missing")

    def test_on_demand_resharding_is_a_validation_exception(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        with pytest.raises(client.exceptions.ValidationException, match="ON_DEMAND"):
            client.update_shard_count(
                StreamName="od", TargetShardCount=8, ScalingType="UNIFORM_SCALING"
            )

    def test_expired_iterator(self, client: KinesisClient, stream: str, clock: ManualClock) -> None:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=SHARD0, ShardIteratorType="LATEST"
        )["ShardIterator"]
        clock.advance(301)
        with pytest.raises(client.exceptions.ExpiredIteratorException):
            client.get_records(ShardIterator=iterator)

    def test_injected_internal_failure_is_a_500(
        self, client: KinesisClient, kinesis: Kinesis, stream: str
    ) -> None:
        kinesis.faults.fail("InternalFailure", operation="ListShards")
        with pytest.raises(ClientError) as caught:
            client.list_shards(StreamName=stream)
        assert ("InternalFailure", 500) == (
            caught.value.response["Error"]["Code"],
            caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
        )

    def test_injected_kms_fault(self, client: KinesisClient, kinesis: Kinesis, stream: str) -> None:
        kinesis.faults.fail("KMSThrottlingException", operation="PutRecord")
        with pytest.raises(client.exceptions.KMSThrottlingException):
            client.put_record(StreamName=stream, Data=b"x", PartitionKey="k")

    def test_put_records_entry_failures(
        self, client: KinesisClient, kinesis: Kinesis, stream: str
    ) -> None:
        kinesis.faults.fail_entries("InternalFailure", every=3)
        result = client.put_records(
            StreamName=stream, Records=[{"Data": b"x", "PartitionKey": str(i)} for i in range(6)]
        )
        assert 2 == result["FailedRecordCount"]
        assert ["InternalFailure"] * 2 == [
            r["ErrorCode"] for r in result["Records"] if "ErrorCode" in r
        ]
