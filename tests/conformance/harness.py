"""What every conformance check gets: a boto3 client, raw HTTP, and streams that wait ACTIVE."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

MAX_HASH_KEY = 2**128 - 1
T = TypeVar("T")
Check = Callable[["Endpoint"], None]
#: Check name -> check, in definition order.
CHECKS: dict[str, Check] = {}


def check(function: Check) -> Check:
    """Register a conformance check under its function name (without ``check_``)."""
    CHECKS[function.__name__.removeprefix("check_")] = function
    return function


class Endpoint:
    """One Kinesis endpoint under test; creates uniquely named streams and deletes them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client: KinesisClient = boto3.session.Session().client(
            "kinesis",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}),
        )
        self._streams: list[str] = []

    def close(self) -> None:
        for name in self._streams:
            with contextlib.suppress(ClientError):
                self.client.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
        self.client.close()

    def paced(self, call: Callable[[], T], timeout: float = 10.0) -> T:
        """Run a control-plane call, waiting out its call rate (LimitExceededException).

        Kinesis allows, for example, five CreateStream calls a second per account;
        checks run back to back would exceed that without taking a pause.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                return call()
            except ClientError as exc:
                throttled = exc.response["Error"]["Code"] == "LimitExceededException"
                if not throttled or time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def stream(self, shards: int = 1, **kwargs: Any) -> str:
        """Create a stream with a fresh name and wait until it is ACTIVE."""
        name = f"conformance-{uuid.uuid4().hex[:12]}"
        self.paced(lambda: self.client.create_stream(StreamName=name, ShardCount=shards, **kwargs))
        self._streams.append(name)
        self.wait_active(name)
        return name

    def wait_active(self, name: str, timeout: float = 30.0) -> None:
        """Poll DescribeStreamSummary until the stream is ACTIVE."""
        deadline = time.monotonic() + timeout
        while True:
            summary = self.client.describe_stream_summary(StreamName=name)
            if "ACTIVE" == summary["StreamDescriptionSummary"]["StreamStatus"]:
                return
            assert time.monotonic() < deadline, f"stream {name} never became ACTIVE"
            time.sleep(0.1)

    def shards(self, name: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every page of ListShards."""
        page = self.client.list_shards(StreamName=name, **kwargs)
        shards = list(page["Shards"])
        while page.get("NextToken"):
            page = self.client.list_shards(NextToken=page["NextToken"])
            shards.extend(page["Shards"])
        return [dict(shard) for shard in shards]

    def raw(self, operation: str | None, body: bytes) -> tuple[int, dict[str, Any]]:
        """POST a body as it is (unsigned), return the status and the JSON answer."""
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        if operation is not None:
            headers["X-Amz-Target"] = f"Kinesis_20131202.{operation}"
        request = urllib.request.Request(self.url + "/", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            with exc:
                text = exc.read()
            try:
                document = json.loads(text)
            except ValueError:
                document = {"raw": text.decode(errors="replace")}
            return exc.code, document


def error_code(call: Callable[[], object]) -> str:
    """Run a call that must fail with a modeled error; return the error code."""
    # Not pytest.raises: its failure is a BaseException the LocalStack runner must catch.
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    raise AssertionError("the call succeeded; an error was expected")


def short_type(document: dict[str, Any]) -> str:
    """The error name of an AWS JSON error body (``__type`` may carry a namespace prefix)."""
    return str(document.get("__type", document.get("code", ""))).rsplit("#", 1)[-1]
