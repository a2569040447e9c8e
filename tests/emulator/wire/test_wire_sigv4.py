"""SigV4 verification, tested against requests signed by botocore's own signer.

Error codes are those AWS JSON-protocol services answer (AWS General Reference,
"Signature Version 4" and the common errors of the JSON protocol), all HTTP 400.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from eventwire_emulator.model import Kinesis, ManualClock
from eventwire_emulator.wire import Wire
from eventwire_emulator.wire.sigv4 import Verifier

URL = "http://127.0.0.1:4567/"


def signed(
    operation: str,
    document: dict[str, Any],
    *,
    key: str = "AKIDEXAMPLE",
    secret: str = "s3cret",
    region: str = "us-east-1",
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a request signed by botocore's SigV4 signer."""
    body = json.dumps(document).encode()
    request = AWSRequest(
        method="POST",
        url=URL,
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"Kinesis_20131202.{operation}",
        },
    )
    SigV4Auth(Credentials(key, secret), "kinesis", region).add_auth(request)
    request.headers["Host"] = "127.0.0.1:4567"  # what the transport would send
    return {k: v for k, v in request.headers.items()}, body


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time())


@pytest.fixture
def wire(clock: ManualClock) -> Wire:
    wire = Wire(Kinesis(clock=clock))
    wire.verifier = Verifier({"AKIDEXAMPLE": "s3cret", "OTHER": "other"})
    return wire


def call(wire: Wire, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    response = wire.handle(headers.get("X-Amz-Target"), body, headers, path="/")
    assert isinstance(response.body, bytes)
    return response.status, json.loads(response.body) if response.body else {}


class TestSignatures:
    """Good signatures pass; each kind of bad one gets AWS's error code."""

    def test_good_signature(self, wire: Wire) -> None:
        assert 200 == call(wire, *signed("ListStreams", {}))[0]

    def test_good_signature_with_host_but_no_port(self, wire: Wire) -> None:
        headers, body = signed("CreateStream", {"StreamName": "s", "ShardCount": 1})
        assert 200 == call(wire, headers, body)[0]

    def test_missing(self, wire: Wire) -> None:
        headers, body = signed("ListStreams", {})
        del headers["Authorization"]
        status, document = call(wire, headers, body)
        assert (400, "MissingAuthenticationTokenException", "Missing Authentication Token") == (
            status,
            document["__type"],
            document["message"],
        )

    @pytest.mark.parametrize(
        "authorization",
        [
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/kinesis/aws4_request",
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
            "Basic dXNlcjpwYXNz",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, SignedHeaders=host, Signature=ab",
        ],
        ids=["no-signature", "no-credential", "other-scheme", "short-scope"],
    )
    def test_malformed(self, wire: Wire, authorization: str) -> None:
        headers, body = signed("ListStreams", {})
        headers["Authorization"] = authorization
        status, document = call(wire, headers, body)
        assert (400, "IncompleteSignatureException") == (status, document["__type"])

    def test_unknown_key(self, wire: Wire) -> None:
        status, document = call(wire, *signed("ListStreams", {}, key="NOBODY"))
        assert (400, "UnrecognizedClientException") == (status, document["__type"])
        assert "The security token included in the request is invalid." == document["message"]

    def test_wrong_secret(self, wire: Wire) -> None:
        status, document = call(wire, *signed("ListStreams", {}, secret="guess"))
        assert (400, "InvalidSignatureException") == (status, document["__type"])
        assert document["message"].startswith("The request signature we calculated does not")

    def test_tampered_body(self, wire: Wire) -> None:
        headers, _ = signed("CreateStream", {"StreamName": "s", "ShardCount": 1})
        body = json.dumps({"StreamName": "t", "ShardCount": 1}).encode()
        assert "InvalidSignatureException" == call(wire, headers, body)[1]["__type"]

    def test_tampered_body_with_an_unsigned_payload_hash_header(self, wire: Wire) -> None:
        # The header is not among the signed ones: it cannot vouch for the body. The
        # canonical request's last line is HexEncode(Hash(RequestPayload)) (AWS IAM
        # User Guide, "Create a signed AWS API request", step 1), the received body's.
        import hashlib

        headers, original = signed("CreateStream", {"StreamName": "s", "ShardCount": 1})
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(original).hexdigest()
        body = json.dumps({"StreamName": "t", "ShardCount": 1}).encode()
        assert "InvalidSignatureException" == call(wire, headers, body)[1]["__type"]
        assert 200 == call(wire, headers, original)[0]

    def test_expired(self, wire: Wire, clock: ManualClock) -> None:
        headers, body = signed("ListStreams", {})
        clock.advance(15 * 60 + 5)
        status, document = call(wire, headers, body)
        assert (400, "InvalidSignatureException") == (status, document["__type"])
        assert document["message"].startswith("Signature expired: ")
        assert "is now earlier than" in document["message"]

    def test_from_the_future(self) -> None:
        behind = Wire(Kinesis(clock=ManualClock(time.time() - 16 * 60)))
        behind.verifier = Verifier({"AKIDEXAMPLE": "s3cret"})
        status, document = call(behind, *signed("ListStreams", {}))
        assert (400, "InvalidSignatureException") == (status, document["__type"])
        assert document["message"].startswith("Signature not yet current: ")

    def test_nothing_changes_on_a_refused_request(self, wire: Wire) -> None:
        headers, body = signed("CreateStream", {"StreamName": "s", "ShardCount": 1}, secret="x")
        call(wire, headers, body)
        assert [] == wire.kinesis.list_streams().stream_names


def _answer(wire: Wire, headers: dict[str, str], body: bytes) -> tuple[int, str, str]:
    status, document = call(wire, headers, body)
    return status, document.get("__type", ""), document.get("message", "")


class TestRememberedWork:
    """What the verifier remembers between requests never changes an answer."""

    @settings(max_examples=200, deadline=None)
    @given(
        tail=st.lists(
            st.sampled_from([*"abcdef0123456789 ,=\t", "Signature=", ", Signature="]),
            max_size=40,
        ).map("".join)
    )
    def test_any_signature_answers_as_on_a_first_request(self, tail: str) -> None:
        # Once a header's part before the signature is remembered, a request with the
        # same part and any other signature text gets the answer a fresh verifier gives.
        headers, body = signed("ListStreams", {})
        clock = ManualClock(time.time())
        warm = Wire(Kinesis(clock=clock))
        warm.verifier = Verifier({"AKIDEXAMPLE": "s3cret"})
        assert 200 == call(warm, headers, body)[0]
        prefix = headers["Authorization"].rpartition("Signature=")[0]
        headers["Authorization"] = f"{prefix}Signature={tail}"
        cold = Wire(Kinesis(clock=clock))
        cold.verifier = Verifier({"AKIDEXAMPLE": "s3cret"})
        assert _answer(cold, headers, body) == _answer(warm, headers, body)

    def test_good_signature_twice(self, wire: Wire) -> None:
        headers, body = signed("ListStreams", {})
        assert (200, 200) == (call(wire, headers, body)[0], call(wire, headers, body)[0])

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("Host", "localhost:4567"),
            ("X-Amz-Target", "Kinesis_20131202.DescribeLimits"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
    )
    def test_changed_signed_header_after_a_good_request(
        self, wire: Wire, name: str, value: str
    ) -> None:
        headers, body = signed("ListStreams", {})
        assert 200 == call(wire, headers, body)[0]
        headers[name] = value
        assert "InvalidSignatureException" == call(wire, headers, body)[1].get("__type")

    def test_tampered_body_after_a_good_request(self, wire: Wire) -> None:
        headers, body = signed("ListStreams", {})
        assert 200 == call(wire, headers, body)[0]
        assert "InvalidSignatureException" == call(wire, headers, b'{"Limit":1}')[1]["__type"]

    def test_other_secret_with_the_same_scope(self, wire: Wire) -> None:
        good = signed("ListStreams", {})
        assert 200 == call(wire, *good)[0]
        status, document = call(wire, *signed("ListStreams", {}, secret="guess"))
        assert (400, "InvalidSignatureException") == (status, document["__type"])

    def test_replayed_after_it_expired(self, wire: Wire, clock: ManualClock) -> None:
        headers, body = signed("ListStreams", {})
        assert 200 == call(wire, headers, body)[0]
        clock.advance(15 * 60 + 5)
        status, document = call(wire, headers, body)
        assert (400, "InvalidSignatureException") == (status, document["__type"])
        assert document["message"].startswith("Signature expired: ")

    def test_malformed_date_after_a_good_request(self, wire: Wire) -> None:
        headers, body = signed("ListStreams", {})
        assert 200 == call(wire, headers, body)[0]
        headers["X-Amz-Date"] = headers["X-Amz-Date"][:8] + "T256161Z"
        assert "IncompleteSignatureException" == call(wire, headers, body)[1]["__type"]

    def test_key_removed_after_a_good_request(self, wire: Wire) -> None:
        headers, body = signed("ListStreams", {})
        assert 200 == call(wire, headers, body)[0]
        assert wire.verifier is not None
        del wire.verifier.secrets["AKIDEXAMPLE"]
        assert "UnrecognizedClientException" == call(wire, headers, body)[1]["__type"]

    def test_threads_share_the_remembered_work(self, wire: Wire) -> None:
        regions = ["us-east-1", "eu-west-1", "ap-south-1"]
        requests = [signed("ListStreams", {}, region=regions[n % 3]) for n in range(6)]
        bad = signed("ListStreams", {}, secret="guess")

        def verify_all(_: int) -> list[int]:
            return [call(wire, *request)[0] for request in [*requests, bad] * 20]

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(verify_all, range(8)))
        assert [([200] * 6 + [400]) * 20] * 8 == answers

    def test_memory_is_bounded(self, wire: Wire) -> None:
        for n in range(300):
            call(wire, *signed("ListStreams", {}, region=f"region-{n}"))
        verifier = wire.verifier
        assert verifier is not None
        # Read (never set) to show each cache stays within its cap after 300 scopes.
        sizes = [len(memo.items) for memo in (verifier._keys, verifier._credentials)]
        assert all(0 < size <= 256 for size in sizes), sizes
