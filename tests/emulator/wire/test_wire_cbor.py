"""The application/x-amz-cbor-1.1 protocol, with bodies built and read by cbor2.

The protocol is the JSON 1.1 protocol's documents encoded as CBOR (RFC 8949), blobs
as byte strings and timestamps as tag 1 around epoch milliseconds, as the AWS SDK
for Java writes and reads them. No Java client runs in these tests.
"""

from __future__ import annotations

import time
from typing import Any

import cbor2
import pytest

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire
from eventwire_emulator.wire.cbor import decode_request

TARGET = "Kinesis_20131202."
CBOR = {"Content-Type": "application/x-amz-cbor-1.1"}


@pytest.fixture
def wire() -> Wire:
    wire = Wire(Kinesis(clock=ManualClock(1_700_000_000.0)))
    wire.kinesis.create_stream("s", 1)
    return wire


def call(wire: Wire, operation: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    response = wire.handle(TARGET + operation, body, CBOR)
    assert isinstance(response.body, bytes)
    document = loads(response.body) if response.body else None
    return response.status, response.headers, document


def loads(body: bytes) -> Any:
    """cbor2's decoding, keeping tag 1 as a tag: cbor2 reads it as seconds, Java as millis."""
    return cbor2.loads(body, semantic_decoders={1: lambda value, _: cbor2.CBORTag(1, value)})


class TestRequestsAndAnswers:
    """Blobs travel as byte strings and timestamps as tag 1, both ways."""

    def test_put_and_get_records(self, wire: Wire) -> None:
        data = bytes(range(256))
        status, headers, put = call(
            wire, "PutRecord", cbor2.dumps({"StreamName": "s", "Data": data, "PartitionKey": "k"})
        )
        assert (200, "application/x-amz-cbor-1.1") == (status, headers["Content-Type"])
        _, _, batch = call(
            wire,
            "PutRecords",
            cbor2.dumps({"StreamName": "s", "Records": [{"Data": b"two", "PartitionKey": "k"}]}),
        )
        assert 0 == batch["FailedRecordCount"]
        _, _, shard_iterator = call(
            wire,
            "GetShardIterator",
            cbor2.dumps(
                {
                    "StreamName": "s",
                    "ShardId": put["ShardId"],
                    "ShardIteratorType": "AT_TIMESTAMP",
                    # tag 1 around milliseconds, as the Java SDK writes a Date
                    "Timestamp": cbor2.CBORTag(1, 1_700_000_000_000),
                }
            ),
        )
        _, _, got = call(
            wire, "GetRecords", cbor2.dumps({"ShardIterator": shard_iterator["ShardIterator"]})
        )
        records = got["Records"]
        assert [data, b"two"] == [r["Data"] for r in records]
        stamp = records[0]["ApproximateArrivalTimestamp"]
        assert isinstance(stamp, cbor2.CBORTag)
        assert (1, 1_700_000_000_000) == (stamp.tag, stamp.value)

    def test_indefinite_lengths(self, wire: Wire) -> None:
        # Jackson's CBOR generator (under the Java SDK) writes indefinite-length maps.
        body = (
            b"\xbf"  # map, indefinite length
            + cbor2.dumps("StreamName")
            + cbor2.dumps("s")
            + cbor2.dumps("Data")
            + b"\x5f\x42ab\x41c\xff"  # byte string in two chunks: b"abc"
            + cbor2.dumps("PartitionKey")
            + b"\x7f\x61k\xff"  # text string in one chunk
            + b"\xff"
        )
        assert 200 == call(wire, "PutRecord", body)[0]

    def test_no_output_is_an_empty_body(self, wire: Wire) -> None:
        status, _, document = call(
            wire, "AddTagsToStream", cbor2.dumps({"StreamName": "s", "Tags": {"a": "b"}})
        )
        assert (200, None) == (status, document)

    def test_timestamps_in_descriptions(self, wire: Wire) -> None:
        _, _, summary = call(wire, "DescribeStreamSummary", cbor2.dumps({"StreamName": "s"}))
        created = summary["StreamDescriptionSummary"]["StreamCreationTimestamp"]
        assert (1, 1_700_000_000_000) == (created.tag, created.value)


class TestErrors:
    """Errors come back as CBOR maps with __type and message, as the Java SDK reads them."""

    def test_model_error(self, wire: Wire) -> None:
        status, headers, document = call(
            wire, "DescribeStreamSummary", cbor2.dumps({"StreamName": "nope"})
        )
        assert (400, "ResourceNotFoundException") == (status, document["__type"])
        assert "nope" in document["message"]
        assert headers["x-amzn-ErrorType"].startswith("ResourceNotFoundException")

    def test_validation_error(self, wire: Wire) -> None:
        status, _, document = call(wire, "PutRecord", cbor2.dumps({"StreamName": "s"}))
        assert (400, "ValidationException") == (status, document["__type"])

    @pytest.mark.parametrize(
        "body",
        [b"", b"\xa1", b"\x5f\x41a", b"\xa1\x01\x02", b"\xc2\x41\x01", cbor2.dumps({}) + b"\x00"],
        ids=["empty", "truncated", "unterminated", "int-key", "bignum-tag", "trailing"],
    )
    def test_malformed_body(self, wire: Wire, body: bytes) -> None:
        status, _, document = call(wire, "ListStreams", body)
        assert (400, "SerializationException") == (status, document["__type"])

    def test_deep_nesting_is_bounded(self, wire: Wire) -> None:
        body = b"\x81" * 1000 + b"\x00"
        assert "SerializationException" == call(wire, "ListStreams", body)[2]["__type"]

    def test_length_beyond_the_body(self) -> None:
        with pytest.raises(Exception, match="larger than the body"):
            decode_request(b"\x9b\x00\x00\x00\x10\x00\x00\x00\x00")


def test_round_trip_against_cbor2_on_random_documents() -> None:
    """Whatever cbor2 encodes, the emulator decodes to the same JSON document."""
    now = time.time()
    document = {
        "StreamName": "s",
        "Limit": 10,
        "Negative": -5,
        "Big": 2**40,
        "Flag": True,
        "Nothing": None,
        "Ratio": 0.5,
        "List": ["a", {"b": [1, 2]}],
        "Timestamp": cbor2.CBORTag(1, int(now * 1000)),
        "Data": b"\x00\xff",
    }
    decoded = decode_request(cbor2.dumps(document))
    assert int(now * 1000) / 1000 == decoded["Timestamp"]
    assert "AP8=" == decoded["Data"]
    assert [1, 2] == decoded["List"][1]["b"]
    assert (2**40, -5, True, None, 0.5) == tuple(
        decoded[k] for k in ("Big", "Negative", "Flag", "Nothing", "Ratio")
    )
