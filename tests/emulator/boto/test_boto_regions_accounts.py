"""Streams are separate per account and region; the region is the request's SigV4 scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from eventwire_emulator.boto import attach
from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


@pytest.fixture
def wire() -> Wire:
    return Wire(Kinesis(clock=ManualClock()), accounts={"AKIDMAPPED": "444455556666"})


def _client(wire: Wire, region: str, key: str = "test") -> KinesisClient:
    client = boto3.session.Session().client(
        "kinesis",
        region_name=region,
        endpoint_url="http://emulator.invalid",
        aws_access_key_id=key,
        aws_secret_access_key="secret",
    )
    attach(client, wire)
    return client


def _arn(client: KinesisClient, name: str) -> str:
    return client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


class TestRegions:
    """Each region has its own streams, named in their ARNs."""

    def test_same_name_in_two_regions(self, wire: Wire) -> None:
        east, west = _client(wire, "us-east-1"), _client(wire, "eu-west-1")
        east.create_stream(StreamName="s", ShardCount=1)
        assert [] == west.list_streams()["StreamNames"]
        west.create_stream(StreamName="s", ShardCount=2)
        east.put_record(StreamName="s", Data=b"east", PartitionKey="k")
        assert "arn:aws:kinesis:us-east-1:000000000000:stream/s" == _arn(east, "s")
        assert "arn:aws:kinesis:eu-west-1:000000000000:stream/s" == _arn(west, "s")
        assert (1, 2) == (
            len(east.list_shards(StreamName="s")["Shards"]),
            len(west.list_shards(StreamName="s")["Shards"]),
        )

    def test_primary_model_serves_its_region(self, wire: Wire) -> None:
        wire.kinesis.create_stream("made-in-process", 1)
        assert ["made-in-process"] == _client(wire, "us-east-1").list_streams()["StreamNames"]
        assert [] == _client(wire, "ap-southeast-2").list_streams()["StreamNames"]

    def test_another_regions_arn_is_not_found(self, wire: Wire) -> None:
        east, west = _client(wire, "us-east-1"), _client(wire, "eu-west-1")
        east.create_stream(StreamName="s", ShardCount=1)
        with pytest.raises(west.exceptions.ResourceNotFoundException):
            west.describe_stream_summary(StreamARN=_arn(east, "s"))


class TestAccounts:
    """The account comes from the access key: mapped, twelve digits, or the default."""

    def test_twelve_digit_key_is_the_account(self, wire: Wire) -> None:
        client = _client(wire, "us-east-1", key="111122223333")
        client.create_stream(StreamName="s", ShardCount=1)
        assert "arn:aws:kinesis:us-east-1:111122223333:stream/s" == _arn(client, "s")
        assert [] == _client(wire, "us-east-1").list_streams()["StreamNames"]

    def test_mapped_key(self, wire: Wire) -> None:
        client = _client(wire, "us-east-1", key="AKIDMAPPED")
        client.create_stream(StreamName="s", ShardCount=1)
        assert "arn:aws:kinesis:us-east-1:444455556666:stream/s" == _arn(client, "s")

    def test_other_keys_share_the_default_account(self, wire: Wire) -> None:
        _client(wire, "us-east-1", key="one").create_stream(StreamName="s", ShardCount=1)
        assert ["s"] == _client(wire, "us-east-1", key="two").list_streams()["StreamNames"]
        assert "000000000000" == _arn(_client(wire, "us-east-1"), "s").split(":")[4]


class TestInProcess:
    """The in-process emulator takes a region and an account too."""

    def test_region_and_account(self) -> None:
        from eventwire_emulator.boto import client

        kinesis = Kinesis(clock=ManualClock(), region="eu-central-1", account_id="123456789012")
        kinesis.create_stream("s", 1)
        in_process = client(kinesis)
        assert "arn:aws:kinesis:eu-central-1:123456789012:stream/s" == _arn(in_process, "s")
