"""CBOR requests over real HTTP: the server passes them to the wire layer and back."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import cbor2

from eventwire_emulator.server import EmulatorServer


def post(url: str, operation: str, document: dict[str, Any]) -> tuple[int, str, Any]:
    request = urllib.request.Request(
        url,
        data=cbor2.dumps(document),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-cbor-1.1",
            "X-Amz-Target": f"Kinesis_20131202.{operation}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, kind, body = response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        status, kind, body = error.code, error.headers["Content-Type"], error.read()
    tags = {1: lambda value, _: cbor2.CBORTag(1, value)}
    return status, kind, cbor2.loads(body, semantic_decoders=tags) if body else None


def test_put_and_describe_over_http(server: EmulatorServer) -> None:
    assert 200 == post(server.url, "CreateStream", {"StreamName": "s", "ShardCount": 1})[0]
    status, kind, put = post(
        server.url, "PutRecord", {"StreamName": "s", "Data": b"\x00\x01", "PartitionKey": "k"}
    )
    assert (200, "application/x-amz-cbor-1.1") == (status, kind)
    assert put["SequenceNumber"].startswith("49")
    status, _, missing = post(server.url, "DescribeStreamSummary", {"StreamName": "nope"})
    assert (400, "ResourceNotFoundException") == (status, missing["__type"])
