"""Call rates through a real boto3 client: modeled LimitExceededException, retried or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from eventwire_emulator.model import Kinesis, ManualClock

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


class TestCallRatesThroughBoto:
    """boto3 sees a rate exceeded as the modeled exception, as against AWS."""

    def test_sixth_create_stream_in_a_second(
        self, client: KinesisClient, kinesis: Kinesis, clock: ManualClock
    ) -> None:
        kinesis.quotas = True
        for i in range(5):
            client.create_stream(StreamName=f"s{i}", ShardCount=1)
        with pytest.raises(client.exceptions.LimitExceededException) as caught:
            client.create_stream(StreamName="s5", ShardCount=1)
        assert "5 calls per second per account" in caught.value.response["Error"]["Message"]
        assert 5 == len(client.list_streams()["StreamNames"])
        clock.advance(1)
        client.create_stream(StreamName="s5", ShardCount=1)

    def test_get_shard_iterator_over_its_rate(
        self, client: KinesisClient, kinesis: Kinesis
    ) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        kinesis.quotas = True
        for _ in range(5):
            client.get_shard_iterator(
                StreamName="s", ShardId="shardId-000000000000", ShardIteratorType="LATEST"
            )
        with pytest.raises(client.exceptions.ProvisionedThroughputExceededException):
            client.get_shard_iterator(
                StreamName="s", ShardId="shardId-000000000000", ShardIteratorType="LATEST"
            )
