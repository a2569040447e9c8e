"""Every operation of botocore's Kinesis service model answers; the newer ones work."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from eventwire_emulator.model import Kinesis
from eventwire_emulator.wire import Wire

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

# The installed botocore's kinesis/2013-12-02/service-2.json: the operations a client can send.
SERVICE_MODEL = botocore.session.get_session().get_service_model("kinesis")
OPERATIONS = sorted(SERVICE_MODEL.operation_names)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kinesis:GetRecords",
                "Resource": "arn:aws:kinesis:us-east-1:000000000000:stream/s",
            }
        ],
    }
)


class TestEveryOperationAnswers:
    """No operation of the service model is an UnknownOperationException."""

    def test_the_model_is_the_current_one(self) -> None:
        # Guards the test below against an old botocore that lacks the newer operations.
        assert {"GetResourcePolicy", "UpdateStreamWarmThroughput"} <= set(OPERATIONS)

    @pytest.mark.parametrize("operation", OPERATIONS)
    def test_operation_is_known(self, kinesis: Kinesis, operation: str) -> None:
        response = Wire(kinesis).handle(
            f"Kinesis_20131202.{operation}",
            b"{}",
            {"Content-Type": "application/x-amz-json-1.1"},
        )
        assert isinstance(response.body, bytes)
        code = json.loads(response.body).get("__type") if response.body else None
        assert "UnknownOperationException" != code
        assert response.status < 500, response.body


class TestResourcePolicies:
    """Put/Get/DeleteResourcePolicy store and return a stream's or consumer's policy."""

    def test_stream_policy_round_trip(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        arn = client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        assert "{}" == client.get_resource_policy(ResourceARN=arn)["Policy"]
        client.put_resource_policy(ResourceARN=arn, Policy=POLICY)
        assert POLICY == client.get_resource_policy(ResourceARN=arn)["Policy"]
        client.delete_resource_policy(ResourceARN=arn)
        assert "{}" == client.get_resource_policy(ResourceARN=arn)["Policy"]
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.delete_resource_policy(ResourceARN=arn)

    def test_consumer_policy_goes_with_the_consumer(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        arn = client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
            "StreamARN"
        ]
        consumer = client.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]
        client.put_resource_policy(ResourceARN=consumer["ConsumerARN"], Policy=POLICY)
        assert POLICY == client.get_resource_policy(ResourceARN=consumer["ConsumerARN"])["Policy"]
        assert "{}" == client.get_resource_policy(ResourceARN=arn)["Policy"]
        client.deregister_stream_consumer(ConsumerARN=consumer["ConsumerARN"])
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_resource_policy(ResourceARN=consumer["ConsumerARN"])

    @pytest.mark.parametrize("policy", ["not json", "[]", '{"Version": "2012-10-17"}'])
    def test_malformed_policy(self, client: KinesisClient, policy: str) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
        with pytest.raises(client.exceptions.InvalidArgumentException):
            client.put_resource_policy(ResourceARN=arn, Policy=policy)

    def test_unknown_stream(self, client: KinesisClient) -> None:
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_resource_policy(
                ResourceARN="arn:aws:kinesis:us-east-1:000000000000:stream/nope"
            )


class TestAccountSettings:
    """Describe/UpdateAccountSettings report the billing commitment as set."""

    def test_round_trip(self, client: KinesisClient) -> None:
        described = client.describe_account_settings()["MinimumThroughputBillingCommitment"]
        assert "DISABLED" == described["Status"]
        updated = client.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "ENABLED"}
        )["MinimumThroughputBillingCommitment"]
        assert ("ENABLED", True) == (updated["Status"], "StartedAt" in updated)
        assert (
            "ENABLED"
            == client.describe_account_settings()["MinimumThroughputBillingCommitment"]["Status"]
        )
        ended = client.update_account_settings(
            MinimumThroughputBillingCommitment={"Status": "DISABLED"}
        )["MinimumThroughputBillingCommitment"]
        assert ("DISABLED", True) == (ended["Status"], "EndedAt" in ended)


class TestStreamSettings:
    """UpdateStreamWarmThroughput and UpdateStreamRecordDistributionStrategy."""

    def test_warm_throughput_on_demand(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="s", StreamModeDetails={"StreamMode": "ON_DEMAND"})
        answer = client.update_stream_warm_throughput(StreamName="s", WarmThroughputMiBps=100)
        assert ("s", {"TargetMiBps": 100, "CurrentMiBps": 100}) == (
            answer["StreamName"],
            answer["WarmThroughput"],
        )

    def test_warm_throughput_provisioned_refused(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        with pytest.raises(client.exceptions.ValidationException):
            client.update_stream_warm_throughput(StreamName="s", WarmThroughputMiBps=100)

    def test_record_distribution_strategy(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
        client.update_stream_record_distribution_strategy(
            StreamARN=arn, RecordDistributionStrategy="AUTO"
        )
        with pytest.raises(ClientError) as caught:
            client.update_stream_record_distribution_strategy(
                StreamARN=arn,
                RecordDistributionStrategy="SOMETIMES",  # type: ignore[arg-type]
            )
        assert "ValidationException" == caught.value.response["Error"]["Code"]


class TestChannels:
    """Channel operations answer a 400 ValidationException naming the operation."""

    def test_list_channels(self, client: KinesisClient) -> None:
        call: Any = client.list_channels
        with pytest.raises(client.exceptions.ValidationException, match="ListChannels"):
            call()
