"""Call rates over the wire: LimitExceededException, or ProvisionedThroughput for iterators."""

from __future__ import annotations

import json

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire
from tests.emulator.wire.conftest import JSON_HEADERS, TARGET, Client


def limited_client(clock: ManualClock) -> Client:
    kinesis = Kinesis(clock=clock, quotas=True)
    kinesis.quotas = False
    kinesis.create_stream("s", 1)
    kinesis.quotas = True
    return Client(Wire(kinesis))


class TestCallRateErrors:
    """A call over its rate is a 400 with the error AWS names for that operation."""

    def test_control_plane_rate_is_limit_exceeded(self, clock: ManualClock) -> None:
        client = limited_client(clock)
        for _ in range(5):
            client.ok("ListStreams")
        status, code, message = client.error("ListStreams")
        assert (400, "LimitExceededException") == (status, code)
        assert "5 calls per second per account" in message
        clock.advance(1)
        client.ok("ListStreams")

    def test_get_shard_iterator_rate_is_provisioned_throughput(self, clock: ManualClock) -> None:
        client = limited_client(clock)
        request = {"StreamName": "s", "ShardId": "shardId-000000000000"}
        for _ in range(5):
            client.ok("GetShardIterator", ShardIteratorType="LATEST", **request)
        status, code, _ = client.error("GetShardIterator", ShardIteratorType="LATEST", **request)
        assert (400, "ProvisionedThroughputExceededException") == (status, code)

    def test_subscribe_is_not_a_describe_stream_consumer_call(self, clock: ManualClock) -> None:
        # The wire used to look the consumer up with DescribeStreamConsumer, which took
        # that operation's faults and rate.
        kinesis = Kinesis(clock=clock)
        kinesis.create_stream("s", 1)
        arn = kinesis.register_stream_consumer(kinesis.stream_arn("s"), "c").consumer_arn
        kinesis.faults.fail("AccessDeniedException", operation="DescribeStreamConsumer")
        body = {
            "ConsumerARN": arn,
            "ShardId": "shardId-000000000000",
            "StartingPosition": {"Type": "LATEST"},
        }
        response = Wire(kinesis).handle(
            TARGET + "SubscribeToShard", json.dumps(body).encode(), JSON_HEADERS
        )
        assert (200, True) == (response.status, response.is_stream)
        response.close()
        status, code, _ = Client(Wire(kinesis)).error("DescribeStreamConsumer", ConsumerARN=arn)
        assert (400, "AccessDeniedException") == (status, code)
