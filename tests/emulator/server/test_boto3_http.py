"""boto3 over real HTTP: every operation a producer or consumer test calls, and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from tests.emulator.server.conftest import make_client

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


def error_code(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


class TestDataPlane:
    """Records put over HTTP come back over HTTP, byte for byte."""

    def test_put_and_get_round_trip(self, client: KinesisClient) -> None:
        """PutRecord and PutRecords land records that GetRecords returns in order."""
        client.create_stream(StreamName="s", ShardCount=1)
        first = client.put_record(StreamName="s", Data=b"\x00\xffone", PartitionKey="a")
        batch = client.put_records(
            StreamName="s",
            Records=[{"Data": f"r{n}".encode(), "PartitionKey": f"k{n}"} for n in range(3)],
        )
        assert 0 == batch["FailedRecordCount"]
        iterator = client.get_shard_iterator(
            StreamName="s", ShardId=first["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = client.get_records(ShardIterator=iterator)["Records"]
        assert [b"\x00\xffone", b"r0", b"r1", b"r2"] == [r["Data"] for r in records]
        assert first["SequenceNumber"] == records[0]["SequenceNumber"]

    def test_request_ids_reach_response_metadata(self, client: KinesisClient) -> None:
        """Each response carries a request id, as real Kinesis does."""
        metadata = client.list_streams()["ResponseMetadata"]
        assert 36 == len(metadata["RequestId"])

    def test_keep_alive_reuses_one_connection(
        self, server: EmulatorServer, kinesis: Kinesis
    ) -> None:
        """Many calls from one client share one connection (no thread per request)."""
        kinesis.quotas = False  # 20 ListStreams in a burst is over its 5 a second
        kinesis_client = make_client(server.url)
        try:
            for _ in range(20):
                kinesis_client.list_streams()
        finally:
            kinesis_client.close()
        assert 1 == server.accepted


class TestControlPlane:
    """Tags, limits, stream mode and record size work over HTTP."""

    def test_tags_by_name_and_by_arn(self, client: KinesisClient) -> None:
        """Tags given at creation, added, removed, and managed by ARN."""
        client.create_stream(StreamName="t", ShardCount=1, Tags={"team": "a"})
        client.add_tags_to_stream(StreamName="t", Tags={"env": "dev"})
        listed = client.list_tags_for_stream(StreamName="t")["Tags"]
        assert [("env", "dev"), ("team", "a")] == sorted((t["Key"], t["Value"]) for t in listed)
        client.remove_tags_from_stream(StreamName="t", TagKeys=["env"])
        arn = client.describe_stream_summary(StreamName="t")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        client.tag_resource(ResourceARN=arn, Tags={"cost": "42"})
        client.untag_resource(ResourceARN=arn, TagKeys=["team"])
        tags = client.list_tags_for_resource(ResourceARN=arn)["Tags"]
        assert [("cost", "42")] == [(t["Key"], t["Value"]) for t in tags]

    def test_describe_limits(self, client: KinesisClient) -> None:
        """DescribeLimits reports the shard limit and what is open."""
        client.create_stream(StreamName="l", ShardCount=3)
        limits = client.describe_limits()
        assert (500, 3) == (limits["ShardLimit"], limits["OpenShardCount"])

    def test_update_stream_mode_and_max_record_size(self, client: KinesisClient) -> None:
        """UpdateStreamMode and UpdateMaxRecordSize show in DescribeStreamSummary."""
        client.create_stream(StreamName="m", ShardCount=1)
        arn = client.describe_stream_summary(StreamName="m")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        client.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
        client.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=2048)
        summary = client.describe_stream_summary(StreamName="m")["StreamDescriptionSummary"]
        assert ("ON_DEMAND", 2048) == (
            summary["StreamModeDetails"]["StreamMode"],
            summary["MaxRecordSizeInKiB"],
        )


class TestEnhancedFanOut:
    """Consumers register over HTTP and SubscribeToShard streams events boto3 can read."""

    def test_consumer_lifecycle(self, client: KinesisClient) -> None:
        """Register, describe, list and deregister a consumer."""
        client.create_stream(StreamName="f", ShardCount=1)
        arn = client.describe_stream_summary(StreamName="f")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        consumer = client.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]
        described = client.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        assert "c1" == described["ConsumerDescription"]["ConsumerName"]
        listed = client.list_stream_consumers(StreamARN=arn)["Consumers"]
        assert ["c1"] == [c["ConsumerName"] for c in listed]
        client.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        assert [] == client.list_stream_consumers(StreamARN=arn)["Consumers"]

    def test_subscribe_to_shard_streams_records(self, client: KinesisClient) -> None:
        """boto3 reads the event stream (initial response, then events) over HTTP."""
        client.create_stream(StreamName="f", ShardCount=1)
        arn = client.describe_stream_summary(StreamName="f")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        consumer_arn = client.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        for n in range(3):
            client.put_record(StreamName="f", Data=f"e{n}".encode(), PartitionKey="k")
        response = client.subscribe_to_shard(
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "TRIM_HORIZON"},
        )
        seen: list[bytes] = []
        events = response["EventStream"]
        try:
            for event in events:
                seen.extend(r["Data"] for r in event["SubscribeToShardEvent"]["Records"])
                if len(seen) >= 3:
                    break
        finally:
            events.close()
        assert [b"e0", b"e1", b"e2"] == seen

    def test_subscription_ends_when_its_time_is_up(self, client: KinesisClient) -> None:
        """The stream ends by itself after the policy's duration, as AWS's five minutes do."""
        client.create_stream(StreamName="f", ShardCount=1)
        arn = client.describe_stream_summary(StreamName="f")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        consumer_arn = client.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"][
            "ConsumerARN"
        ]
        response = client.subscribe_to_shard(
            ConsumerARN=consumer_arn,
            ShardId="shardId-000000000000",
            StartingPosition={"Type": "LATEST"},
        )
        events = list(response["EventStream"])
        assert events
        assert all("SubscribeToShardEvent" in event for event in events)

    def test_subscribe_errors_before_the_stream(self, client: KinesisClient) -> None:
        """An unknown consumer is an ordinary 400 error, not a broken stream."""
        with pytest.raises(ClientError) as info:
            client.subscribe_to_shard(
                ConsumerARN="arn:aws:kinesis:us-east-1:000000000000:stream/x/consumer/c:1",
                ShardId="shardId-000000000000",
                StartingPosition={"Type": "LATEST"},
            )
        assert ("ResourceNotFoundException", 400) == error_code(info)


class TestErrors:
    """Model and validation errors reach boto3 as modeled exceptions."""

    def test_missing_stream(self, client: KinesisClient) -> None:
        """A missing stream is ResourceNotFoundException."""
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_stream_summary(StreamName="nope")

    def test_throttling_with_quotas_on(self, client: KinesisClient) -> None:
        """More than 1 MiB a second into one shard is throttled (quotas are on)."""
        client.create_stream(StreamName="q", ShardCount=1)
        # The shard's 1 MiB bucket refills continuously (about 1 KiB a millisecond), so
        # the second record asks for far more than can come back between two calls.
        client.put_record(StreamName="q", Data=b"x" * (1024 * 1024 - 1), PartitionKey="k")
        with pytest.raises(client.exceptions.ProvisionedThroughputExceededException):
            client.put_record(StreamName="q", Data=b"x" * (256 * 1024), PartitionKey="k")
