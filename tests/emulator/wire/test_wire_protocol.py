"""Wire.handle: targets, bodies, content types and headers, and never a crash."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire
from eventwire_emulator.wire.shapes import OPERATIONS
from tests.emulator.wire.conftest import JSON_HEADERS, TARGET, Client


def decode(wire: Wire, target: str | None, body: bytes, headers: Any = JSON_HEADERS) -> Any:
    response = wire.handle(target, body, headers)
    assert isinstance(response.body, bytes)
    return response.status, json.loads(response.body)


class TestTargets:
    """The X-Amz-Target header picks the operation."""

    @pytest.mark.parametrize(
        "target",
        [
            None,
            "",
            "Kinesis_20131202.Nope",
            "DynamoDB_20120810.ListTables",
            "ListStreams",
        ],
    )
    def test_unknown_operation(self, wire: Wire, target: str | None) -> None:
        status, document = decode(wire, target, b"{}")
        assert (400, "UnknownOperationException") == (status, document["__type"])

    def test_known_operation(self, wire: Wire) -> None:
        assert (200, {"StreamNames": [], "HasMoreStreams": False, "StreamSummaries": []}) == (
            decode(wire, TARGET + "ListStreams", b"{}")
        )


class TestBodies:
    """Bodies that are not a JSON object are SerializationExceptions."""

    @pytest.mark.parametrize(
        "body", [b"{", b"not json", b'{"Limit": NaN}', b'{"Limit": Infinity}', b"\xff\xfe"]
    )
    def test_malformed(self, wire: Wire, body: bytes) -> None:
        status, document = decode(wire, TARGET + "ListStreams", body)
        assert (400, "SerializationException") == (status, document["__type"])

    @pytest.mark.parametrize(
        "body",
        [
            b'{"StreamName":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            b'{"StreamName":"s","PartitionKey":"\\ud800","Data":"AA=="}',
            b'{"StreamName":"s","PartitionKey":"k\\udfff","Data":"AA=="}',
        ],
        ids=["nested 100,000 deep", "lone high surrogate", "lone low surrogate"],
    )
    def test_undecodable(self, wire: Wire, body: bytes) -> None:
        """Past the decoder's depth or with an unpaired surrogate: 400, never a 500."""
        status, document = decode(wire, TARGET + "PutRecord", body)
        assert (400, "SerializationException") == (status, document["__type"])

    def test_paired_surrogates_are_one_character(self, wire: Wire, kinesis: Kinesis) -> None:
        """An escaped surrogate pair is a valid character (here in a partition key)."""
        kinesis.create_stream("s", 1)
        body = b'{"StreamName":"s","PartitionKey":"\\ud83d\\ude00","Data":"AA=="}'
        assert 200 == decode(wire, TARGET + "PutRecord", body)[0]

    def test_empty_body(self, wire: Wire) -> None:
        """An empty body is a SerializationException, even where no member is required."""
        status, document = decode(wire, TARGET + "ListStreams", b"")
        assert (400, "SerializationException") == (status, document["__type"])

    def test_no_output_operations_answer_an_empty_body(self, wire: Wire) -> None:
        """Operations the service model gives no output shape answer an empty body."""
        response = wire.handle(
            TARGET + "CreateStream", b'{"StreamName": "s", "ShardCount": 1}', JSON_HEADERS
        )
        assert (200, b"", "0") == (
            response.status,
            response.body,
            response.headers["Content-Length"],
        )


class TestContentType:
    """JSON media types are accepted in any header casing; others are refused."""

    @pytest.mark.parametrize(
        "headers",
        [
            {"Content-Type": "application/x-amz-json-1.1"},
            {"content-type": "application/x-amz-json-1.1; charset=utf-8"},
            {"CONTENT-TYPE": "application/json"},
            {"Content-Type": "application/x-amz-json-1.0"},
            {},
        ],
    )
    def test_accepted(self, wire: Wire, headers: dict[str, str]) -> None:
        assert 200 == decode(wire, TARGET + "ListStreams", b"{}", headers)[0]

    def test_other_media_types_are_refused(self, wire: Wire) -> None:
        status, document = decode(
            wire, TARGET + "ListStreams", b"{}", {"Content-Type": "application/xml"}
        )
        assert (400, "SerializationException") == (status, document["__type"])
        assert "application/x-amz-cbor-1.1" in document["message"]


class TestResponseHeaders:
    """Responses carry the JSON content type, a length and request ids."""

    def test_json_headers(self, wire: Wire) -> None:
        response = wire.handle(TARGET + "ListStreams", b"{}", JSON_HEADERS)
        assert isinstance(response.body, bytes)
        assert "application/x-amz-json-1.1" == response.headers["Content-Type"]
        assert str(len(response.body)) == response.headers["Content-Length"]
        assert response.headers["x-amzn-RequestId"]
        assert response.headers["x-amz-id-2"]
        assert not response.is_stream

    def test_request_ids_are_random_uuids_and_48_bytes(self, wire: Wire) -> None:
        responses = [wire.handle(TARGET + "ListStreams", b"{}", JSON_HEADERS) for _ in range(200)]
        ids = [uuid.UUID(r.headers["x-amzn-RequestId"]) for r in responses]
        assert [(4, uuid.RFC_4122)] * 200 == [(u.version, u.variant) for u in ids]
        assert all(
            str(u) == r.headers["x-amzn-RequestId"] for u, r in zip(ids, responses, strict=True)
        )
        assert 200 == len(set(ids))
        assert set("89ab") == {str(u)[19] for u in ids}  # the variant's random bits vary
        second = [base64.b64decode(r.headers["x-amz-id-2"], validate=True) for r in responses]
        assert {48} == {len(raw) for raw in second}
        assert 200 == len(set(second))

    def test_error_headers(self, wire: Wire) -> None:
        response = wire.handle(None, b"{}", {})
        assert isinstance(response.body, bytes)
        assert "application/x-amz-json-1.1" == response.headers["Content-Type"]
        assert str(len(response.body)) == response.headers["Content-Length"]


class TestStreamArguments:
    """A stream is named by StreamName or StreamARN; they must agree."""

    def test_by_arn(self, client: Client) -> None:
        client.ok("CreateStream", StreamName="s", ShardCount=1)
        arn = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
        assert (
            "s"
            == client.ok("DescribeStreamSummary", StreamARN=arn)["StreamDescriptionSummary"][
                "StreamName"
            ]
        )

    def test_neither(self, client: Client) -> None:
        assert (
            400,
            "InvalidArgumentException",
            "Either StreamName or StreamARN must be provided.",
        ) == client.error("DescribeStream")

    def test_disagreeing(self, client: Client) -> None:
        status, code, _ = client.error(
            "DescribeStream",
            StreamName="a",
            StreamARN="arn:aws:kinesis:us-east-1:000000000000:stream/b",
        )
        assert (400, "InvalidArgumentException") == (status, code)


# Plausible values, so fuzzing also reaches the model rather than stopping at validation.
PLAUSIBLE = st.sampled_from(
    [
        "s",
        "shardId-000000000000",
        "shardId-000000000001",
        "arn:aws:kinesis:us-east-1:000000000000:stream/s",
        "0",
        "170141183460469231731687303715884105728",
        "TRIM_HORIZON",
        "LATEST",
        "AT_TIMESTAMP",
        "AT_SEQUENCE_NUMBER",
        "UNIFORM_SCALING",
        "ON_DEMAND",
        "KMS",
        "ALL",
        "AA==",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | PLAUSIBLE,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def request_bodies(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(sorted(set(OPERATIONS) - {"SubscribeToShard"})))
    names = sorted(OPERATIONS[operation].members) or ["Unknown"]
    members = draw(st.dictionaries(st.sampled_from(names), JSON_VALUES, max_size=len(names)))
    return operation, members


class TestNeverCrashes:
    """Arbitrary JSON for any operation's members gets a 4xx, or succeeds; never a 500."""

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(request=request_bodies())
    def test_fuzzed_members(self, request: tuple[str, dict[str, Any]]) -> None:
        operation, members = request
        wire = Wire(Kinesis(clock=ManualClock()))
        Client(wire).ok("CreateStream", StreamName="s", ShardCount=2)
        status, document = decode(wire, TARGET + operation, json.dumps(members).encode())
        assert status < 500, document

    @settings(max_examples=200, deadline=None)
    @given(body=st.binary(max_size=64))
    def test_fuzzed_bytes(self, body: bytes) -> None:
        wire = Wire(Kinesis(clock=ManualClock()))
        assert decode(wire, TARGET + "PutRecords", body)[0] < 500
