"""Typed events from Lambda Kinesis events, GetRecords and SubscribeToShard output."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

import eventwire.consume
from eventwire import DecodeError, MalformedRecordError, UnknownEventTypeError
from eventwire.backends import Record, aggregate
from eventwire.cloudevents import encode
from eventwire.consume import (
    batch_item_failures,
    from_get_records,
    from_lambda_event,
    from_subscribe_to_shard,
)
from tests.core.sample_events import PersonCreated

ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/people"


def _lambda_record(
    data: bytes, seq: str, key: str = "k", shard: str = "shardId-000000000001"
) -> dict[str, Any]:
    # The shape of the example event in the AWS Lambda developer guide ("Using Lambda with
    # Kinesis Data Streams"): base64 data, epoch-second arrival time, eventID shard:sequence.
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": key,
            "sequenceNumber": seq,
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": 1545084650.987,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{seq}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
        "awsRegion": "us-east-1",
        "eventSourceARN": ARN,
    }


def _person(n: int) -> bytes:
    return encode(PersonCreated(person_id=n, name=f"p{n}"), source="test")


class TestLambdaEvent:
    """A Lambda Kinesis event becomes typed events with their metadata."""

    def test_plain_records(self) -> None:
        """Each record decodes to its event with shard, sequence and arrival time."""
        document = {
            "Records": [_lambda_record(_person(1), "101"), _lambda_record(_person(2), "102")]
        }
        batch = from_lambda_event(document)
        assert [] == batch.failures
        assert [1, 2] == [c.event.person_id for c in batch.events]  # type: ignore[attr-defined]
        first = batch.events[0].metadata
        assert ("shardId-000000000001", "101", 0, "k", False) == (
            first.shard_id, first.sequence_number, first.sub_sequence_number,
            first.partition_key, first.aggregated,
        )  # fmt: skip
        assert datetime(2018, 12, 17, 22, 10, 50, 987000, tzinfo=UTC) == (
            first.approximate_arrival_timestamp
        )
        assert ARN == first.event_source_arn

    def test_aggregate_is_opened(self) -> None:
        """A KPL aggregate yields its user records, numbered by sub-sequence."""
        users = [Record(_person(n), f"key-{n}") for n in range(3)]
        document = {"Records": [_lambda_record(aggregate(users).data, "200", key="key-0")]}
        batch = from_lambda_event(document)
        assert [(0, "key-0"), (1, "key-1"), (2, "key-2")] == [
            (c.metadata.sub_sequence_number, c.metadata.partition_key) for c in batch.events
        ]
        assert all(
            c.metadata.aggregated and c.metadata.sequence_number == "200" for c in batch.events
        )

    def test_failures_per_record_and_partial_batch_response(self) -> None:
        """Undecodable records are reported one by one; the response names their sequences once."""
        users = [Record(_person(1), "a"), Record(b"not json", "b"), Record(b"{}", "c")]
        document = {
            "Records": [
                _lambda_record(_person(5), "300"),
                _lambda_record(aggregate(users).data, "301", key="a"),
                _lambda_record(
                    b'{"specversion":"1.0","id":"x","source":"s","type":"nope.v1"}', "302"
                ),
            ]
        }
        batch = from_lambda_event(document)
        assert [5, 1] == [c.event.person_id for c in batch.events]  # type: ignore[attr-defined]
        assert [("301", 1), ("301", 2), ("302", 0)] == [
            (f.metadata.sequence_number, f.metadata.sub_sequence_number) for f in batch.failures
        ]
        assert isinstance(batch.failures[0].error, MalformedRecordError)
        assert isinstance(batch.failures[2].error, UnknownEventTypeError)
        assert b"not json" == batch.failures[0].data
        # Lambda's partial batch response: {"batchItemFailures": [{"itemIdentifier": seq}]}.
        assert {"batchItemFailures": [{"itemIdentifier": "301"}, {"itemIdentifier": "302"}]} == (
            batch.batch_item_failures()
        )
        assert batch.batch_item_failures() == batch_item_failures(batch.failures)

    def test_bad_base64_is_a_record_failure(self) -> None:
        """Data that is not base64 fails its own record, not the batch."""
        bad = _lambda_record(b"", "400")
        bad["kinesis"]["data"] = "***"
        batch = from_lambda_event({"Records": [bad, _lambda_record(_person(3), "401")]})
        assert [3] == [c.event.person_id for c in batch.events]  # type: ignore[attr-defined]
        assert ["400"] == [f.metadata.sequence_number for f in batch.failures]
        assert "base64" in str(batch.failures[0].error)

    @pytest.mark.parametrize(
        ("document", "message"),
        [
            ([], "JSON object"),
            ({"records": []}, "'Records' list"),
            ({"Records": [{"eventID": "s:1"}]}, "'kinesis' object"),
            ({"Records": [{"kinesis": {"sequenceNumber": "1", "partitionKey": "k"}}]}, "eventID"),
            (
                {"Records": [{**_lambda_record(b"x", "1"), "kinesis": {"partitionKey": "k"}}]},
                "sequenceNumber",
            ),
        ],
    )
    def test_not_a_lambda_event(self, document: Any, message: str) -> None:
        """A document that is not a Lambda Kinesis event is refused with a specific error."""
        with pytest.raises(DecodeError, match=message):
            from_lambda_event(document)

    def test_bad_arrival_time(self) -> None:
        """An arrival time that is not epoch seconds is refused."""
        record = _lambda_record(_person(1), "1")
        record["kinesis"]["approximateArrivalTimestamp"] = "yesterday"
        with pytest.raises(DecodeError, match="arrival timestamp"):
            from_lambda_event({"Records": [record]})

    def test_too_many_records(self) -> None:
        """More records than Lambda ever sends in one batch is refused."""
        with pytest.raises(DecodeError, match="at most 10000"):
            from_lambda_event({"Records": [{}] * 10_001})


class TestApiOutput:
    """GetRecords and SubscribeToShard output, boto3-shaped or JSON-shaped."""

    def _boto3_records(self) -> list[dict[str, Any]]:
        arrived = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        users = [Record(_person(n), f"key-{n}") for n in (7, 8)]
        return [
            {"SequenceNumber": "1", "ApproximateArrivalTimestamp": arrived,
             "Data": _person(6), "PartitionKey": "key-6"},
            {"SequenceNumber": "2", "ApproximateArrivalTimestamp": arrived,
             "Data": aggregate(users).data, "PartitionKey": "key-7"},
        ]  # fmt: skip

    def test_get_records_boto3(self) -> None:
        """boto3's bytes and datetimes decode, aggregates opened."""
        batch = from_get_records({"Records": self._boto3_records()}, "shardId-000000000003")
        assert [(6, "1", 0), (7, "2", 0), (8, "2", 1)] == [
            (c.event.person_id, c.metadata.sequence_number, c.metadata.sub_sequence_number)  # type: ignore[attr-defined]
            for c in batch.events
        ]
        assert {"shardId-000000000003"} == {c.metadata.shard_id for c in batch.events}

    def test_get_records_json_wire(self) -> None:
        """The JSON wire's base64 text and epoch seconds decode too."""
        record = {"SequenceNumber": "9", "ApproximateArrivalTimestamp": 1.7e9,
                  "Data": base64.b64encode(_person(9)).decode(), "PartitionKey": "k"}  # fmt: skip
        batch = from_get_records({"Records": [record]}, "shardId-000000000000")
        assert [9] == [c.event.person_id for c in batch.events]  # type: ignore[attr-defined]

    def test_subscribe_to_shard_event(self) -> None:
        """A SubscribeToShard event, wrapped or not, decodes like GetRecords output."""
        inner = {"Records": self._boto3_records(), "ContinuationSequenceNumber": "2",
                 "MillisBehindLatest": 0}  # fmt: skip
        wrapped = from_subscribe_to_shard({"SubscribeToShardEvent": inner}, "shardId-000000000001")
        bare = from_subscribe_to_shard(inner, "shardId-000000000001")
        assert 3 == len(wrapped.events) == len(bare.events)

    def test_missing_fields(self) -> None:
        """A record without its sequence number is refused, naming where."""
        with pytest.raises(DecodeError, match=r"GetRecords.Records\[0\] needs .*SequenceNumber"):
            from_get_records({"Records": [{"Data": b"x", "PartitionKey": "k"}]}, "s")


def test_consume_all_is_pinned() -> None:
    """eventwire.consume.__all__ is pinned."""
    assert [
        "MAX_GET_RECORDS", "MAX_LAMBDA_RECORDS", "ConsumeFailure", "ConsumedBatch",
        "ConsumedEvent", "KinesisMetadata", "batch_item_failures", "from_get_records",
        "from_lambda_event", "from_subscribe_to_shard",
    ] == eventwire.consume.__all__  # fmt: skip
