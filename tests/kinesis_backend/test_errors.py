"""Error mapping at the boundary: every AWS code and network failure becomes an eventwire error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import NoCredentialsError, ParamValidationError

from eventwire import (
    BackendConnectionError,
    BackendError,
    DeliveryError,
    InvalidRecordError,
    PermissionDeniedError,
    PublishFailure,
    StreamNotFoundError,
    ThrottledError,
)
from eventwire_emulator.model import Kinesis
from eventwire_kinesis import KinesisBackend
from eventwire_kinesis.errors import Target, translate
from tests.kinesis_backend.events import Placed, rec

MAPPED = [
    ("ResourceNotFoundException", StreamNotFoundError),
    ("AccessDeniedException", PermissionDeniedError),
    ("KMSAccessDeniedException", PermissionDeniedError),
    ("UnrecognizedClientException", PermissionDeniedError),
    ("ValidationException", InvalidRecordError),
    ("InvalidArgumentException", InvalidRecordError),
    ("ProvisionedThroughputExceededException", ThrottledError),
    ("KMSThrottlingException", ThrottledError),
    ("InternalFailure", DeliveryError),
    ("KMSDisabledException", DeliveryError),
]


class TestCodeMapping:
    """Each AWS error code maps to one eventwire error, for PutRecord and PutRecords alike."""

    @pytest.mark.parametrize(("code", "expected"), MAPPED)
    def test_publish(
        self, backend: KinesisBackend, kinesis: Kinesis, code: str, expected: type
    ) -> None:
        """Publish raises the mapped error with the code, from the botocore error."""
        kinesis.faults.fail(code, operation="PutRecord", times=10)
        with pytest.raises(BackendError) as info:
            backend.publish(rec(Placed(customer="a", n=0)))
        assert (expected, code, "orders") == (type(info.value), info.value.code, info.value.stream)
        assert type(info.value.__cause__).__module__.startswith("botocore")

    @pytest.mark.parametrize(("code", "expected"), MAPPED)
    def test_publish_many(
        self, backend: KinesisBackend, kinesis: Kinesis, code: str, expected: type
    ) -> None:
        """publish_many reports the mapped error per record instead of raising."""
        kinesis.faults.fail(code, operation="PutRecords", times=10)
        results = backend.publish_many([rec(Placed(customer="a", n=0))])
        assert [(expected, code)] == [
            (type(r.error), r.code) for r in results if isinstance(r, PublishFailure)
        ]

    def test_rejected_request_is_split_to_find_the_bad_record(
        self, backend: KinesisBackend, kinesis: Kinesis, sent: list[Any]
    ) -> None:
        """A request rejected as invalid is re-sent record by record with PutRecord."""
        kinesis.faults.fail("ValidationException", operation="PutRecords")
        results = backend.publish_many([rec(Placed(customer="a", n=n)) for n in range(3)])
        assert [2, 2, 2] == [r.attempts for r in results]
        assert ["PutRecords", "PutRecord", "PutRecord", "PutRecord"] == [op for op, _ in sent]

    def test_stream_not_found_names_stream_and_region(self, backend: KinesisBackend) -> None:
        """The message says which stream in which region, and what to check."""
        backend = KinesisBackend("missing", client=backend.client)
        with pytest.raises(StreamNotFoundError) as info:
            backend.publish(rec(Placed(customer="a", n=0)))
        assert "'missing' in region us-east-1" in str(info.value)

    @pytest.mark.parametrize(
        ("operation", "action"),
        [("PutRecord", "kinesis:PutRecord"), ("PutRecords", "kinesis:PutRecords")],
    )
    def test_access_denied_names_the_iam_action(
        self, backend: KinesisBackend, kinesis: Kinesis, operation: str, action: str
    ) -> None:
        """AccessDeniedException names the IAM action that is missing."""
        kinesis.faults.fail("AccessDeniedException", operation=operation)
        record = rec(Placed(customer="a", n=0))
        if operation == "PutRecord":
            with pytest.raises(PermissionDeniedError) as info:
                backend.publish(record)
            error: BackendError = info.value
        else:
            failure = backend.publish_many([record])[0]
            assert isinstance(failure, PublishFailure)
            assert isinstance(failure.error, PermissionDeniedError)
            error = failure.error
        assert isinstance(error, PermissionDeniedError)
        assert action == error.action
        assert action in str(error)

    def test_shards_errors_are_mapped(self, backend: KinesisBackend, kinesis: Kinesis) -> None:
        """ListShards failures are mapped too, naming kinesis:ListShards."""
        kinesis.faults.fail("AccessDeniedException", operation="ListShards")
        with pytest.raises(PermissionDeniedError) as info:
            backend.shards()
        assert "kinesis:ListShards" == info.value.action


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def loopback_client(port: int, **config: Any) -> Any:
    return boto3.session.Session().client(
        "kinesis",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


class TestNetworkFailures:
    """Network failures become BackendConnectionError; no botocore type escapes."""

    def test_connection_refused(self) -> None:
        """Nothing listening: EndpointConnectionError becomes BackendConnectionError."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        backend = KinesisBackend("orders", client=loopback_client(port))
        with pytest.raises(BackendConnectionError) as info:
            backend.publish(rec(Placed(customer="a", n=0)))
        assert "could not reach Kinesis" in str(info.value)
        results = backend.publish_many([rec(Placed(customer="a", n=1))])
        assert isinstance(results[0], PublishFailure)
        assert isinstance(results[0].error, BackendConnectionError)

    def test_read_timeout(self, silent_port: int) -> None:
        """A server that never answers: ReadTimeoutError becomes BackendConnectionError."""
        client = loopback_client(silent_port, read_timeout=0.2, connect_timeout=0.2)
        backend = KinesisBackend("orders", client=client)
        with pytest.raises(BackendConnectionError):
            backend.publish(rec(Placed(customer="a", n=0)))


class TestTranslate:
    """Botocore exceptions without an AWS code."""

    target = Target("orders", "eu-west-1")

    def test_no_credentials(self) -> None:
        """Missing credentials: a permission error saying how to provide them."""
        error = translate(NoCredentialsError(), self.target, action="kinesis:PutRecord")
        assert isinstance(error, PermissionDeniedError)
        assert "AWS_ACCESS_KEY_ID" in str(error)

    def test_parameter_validation(self) -> None:
        """Botocore's own parameter validation: an invalid-record error."""
        error = translate(ParamValidationError(report="bad"), self.target, action="x")
        assert isinstance(error, InvalidRecordError)

    def test_anything_else(self) -> None:
        """An unexpected exception still becomes an eventwire DeliveryError."""
        assert isinstance(translate(RuntimeError("boom"), self.target, action="x"), DeliveryError)
