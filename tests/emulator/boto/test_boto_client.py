"""boto.client: a real boto3 client served in-process, isolated from the user's AWS setup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import botocore.client
import pytest
from botocore.config import Config

from eventwire_emulator import boto
from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


class TestWalkthrough:
    """The AWS docs walkthrough runs unchanged."""

    def test_put_then_read_back(self, client: KinesisClient) -> None:
        client.create_stream(StreamName="my-stream", ShardCount=1)
        put = client.put_record(
            StreamName="my-stream", Data=json.dumps({"personId": 1}), PartitionKey="1"
        )
        assert {"ShardId", "SequenceNumber", "EncryptionType", "ResponseMetadata"} == set(put)
        assert ("shardId-000000000000", "NONE") == (put["ShardId"], put["EncryptionType"])
        iterator = client.get_shard_iterator(
            StreamName="my-stream", ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = client.get_records(ShardIterator=iterator)["Records"]
        assert [(put["SequenceNumber"], b'{"personId": 1}', "1")] == [
            (r["SequenceNumber"], r["Data"], r["PartitionKey"]) for r in records
        ]


class TestIsolation:
    """The client needs no AWS account, config, credentials or network."""

    def test_is_a_real_boto3_client(self, client: KinesisClient) -> None:
        assert isinstance(client, botocore.client.BaseClient)
        assert ("kinesis", "us-east-1") == (
            client.meta.service_model.service_name,
            client.meta.region_name,
        )

    def test_ignores_aws_config_files_and_profile(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        garbage = tmp_path / "garbage"
        garbage.write_text("[[[ this is not an ini file\n")
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(garbage))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(garbage))
        monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
        client = boto.client(region_name="eu-west-1")
        client.create_stream(StreamName="s", ShardCount=1)
        assert (
            "arn:aws:kinesis:eu-west-1:000000000000:stream/s"
            == client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
                "StreamARN"
            ]
        )

    def test_every_request_is_served_in_process(self) -> None:
        kinesis = Kinesis(clock=ManualClock())
        plain = boto3.session.Session().client(
            "kinesis",
            region_name="us-east-1",
            endpoint_url=boto.ENDPOINT_URL,
            aws_access_key_id="a",
            aws_secret_access_key="b",
        )
        transport = boto.attach(plain, Wire(kinesis))
        plain.create_stream(StreamName="s", ShardCount=1)
        plain.put_record(StreamName="s", Data=b"x", PartitionKey="k")
        plain.list_streams()
        assert 3 == transport.requests

    def test_default_model(self) -> None:
        client = boto.client()
        client.create_stream(StreamName="s", ShardCount=2)
        assert ["s"] == client.list_streams()["StreamNames"]


class TestRetries:
    """Retries follow the caller's botocore Config."""

    def test_default_config_retries_injected_throttling(self, kinesis: Kinesis) -> None:
        client = boto.client(
            kinesis, config=Config(retries={"mode": "standard", "total_max_attempts": 2})
        )
        client.create_stream(StreamName="s", ShardCount=1)
        kinesis.faults.fail("ProvisionedThroughputExceededException", operation="PutRecord")
        put = client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
        assert 1 == put["ResponseMetadata"]["RetryAttempts"]

    def test_no_retries_surfaces_the_fault(self, client: KinesisClient, kinesis: Kinesis) -> None:
        client.create_stream(StreamName="s", ShardCount=1)
        kinesis.faults.fail("ProvisionedThroughputExceededException", operation="PutRecord")
        with pytest.raises(client.exceptions.ProvisionedThroughputExceededException):
            client.put_record(StreamName="s", Data=b"x", PartitionKey="k")
