"""Kinesis(policies=...) authorizes every request of the in-process boto3 client."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config

from eventwire_emulator import boto
from eventwire_emulator.model import Kinesis, ManualClock

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
# eventwire_emulator.boto.client signs with the access key "emulator".
POLICIES = {
    "emulator": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["kinesis:PutRecord", "kinesis:GetShardIterator", "kinesis:GetRecords"],
                "Resource": ARN,
            },
            {"Effect": "Allow", "Action": "kinesis:*ResourcePolicy", "Resource": "*"},
        ],
    }
}


@pytest.fixture
def kinesis() -> Kinesis:
    model = Kinesis(clock=ManualClock(), policies=POLICIES)
    model.create_stream("s", 1)  # a direct call: no caller, no policy check
    return model


def test_allowed_and_denied(kinesis: Kinesis) -> None:
    client = boto.client(kinesis, config=Config(retries={"total_max_attempts": 1}))
    put = client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    iterator = client.get_shard_iterator(
        StreamName="s", ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert [b"x"] == [r["Data"] for r in client.get_records(ShardIterator=iterator)["Records"]]
    with pytest.raises(client.exceptions.AccessDeniedException) as caught:
        client.put_records(StreamName="s", Records=[{"Data": b"x", "PartitionKey": "k"}])
    assert (
        "User: arn:aws:iam::000000000000:user/emulator is not authorized to perform: "
        f"kinesis:PutRecords on resource: {ARN} because no identity-based policy allows the "
        "kinesis:PutRecords action"
    ) == caught.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.AccessDeniedException, match="kinesis:ListStreams"):
        client.list_streams()


def test_resource_policy_deny_is_enforced(kinesis: Kinesis) -> None:
    client = boto.client(kinesis, config=Config(retries={"total_max_attempts": 1}))
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "kinesis:PutRecord",
                "Resource": ARN,
            }
        ],
    }
    client.put_resource_policy(ResourceARN=ARN, Policy=json.dumps(deny))
    with pytest.raises(
        client.exceptions.AccessDeniedException, match="explicit deny in a resource-based policy"
    ):
        client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    client.delete_resource_policy(ResourceARN=ARN)
    client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
