"""WireResponse: what the wire layer hands a transport, JSON or an event stream."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from eventwire_emulator.wire import cbor
from eventwire_emulator.wire.errors import AwsError

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
CBOR_CONTENT_TYPE = cbor.MEDIA_TYPE

_dumps = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(slots=True)
class WireResponse:
    """An HTTP response in transport-neutral form.

    ``body`` is bytes, or for SubscribeToShard an iterator of event-stream messages
    that a transport writes out as they come (and closes, via ``close()``, if the
    client goes away).
    """

    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes]

    @property
    def is_stream(self) -> bool:
        """Whether the body is an event stream rather than a complete document."""
        return not isinstance(self.body, bytes)

    def close(self) -> None:
        """Stop an event stream early; a no-op for complete bodies."""
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def _headers(content_type: str, length: int | None) -> dict[str, str]:
    # Real Kinesis sends both request ids; botocore surfaces them in ResponseMetadata.
    headers = {
        "Content-Type": content_type,
        "x-amzn-RequestId": str(uuid.uuid4()),
        "x-amz-id-2": base64.b64encode(os.urandom(48)).decode(),
    }
    if length is not None:
        headers["Content-Length"] = str(length)
    return headers


def json_response(document: dict[str, Any] | bytes) -> WireResponse:
    """Return a 200 response carrying a JSON document (or one already encoded)."""
    body = document if isinstance(document, bytes) else _dumps(document).encode()
    return WireResponse(200, _headers(JSON_CONTENT_TYPE, len(body)), body)


def error_response(error: AwsError) -> WireResponse:
    """Return the response AWS sends for an error."""
    body = error.body()
    return WireResponse(error.status, _headers(JSON_CONTENT_TYPE, len(body)), body)


def cbor_response(document: dict[str, Any] | bytes) -> WireResponse:
    """Return a 200 response carrying a document in CBOR (see ``cbor``).

    ``document`` may be JSON already encoded (the PutRecords hot path answers so)
    or the empty body of an operation without output.
    """
    if isinstance(document, bytes):
        if not document:
            return WireResponse(200, _headers(CBOR_CONTENT_TYPE, 0), b"")
        document = json.loads(document)
    body = cbor.encode_response(document)
    return WireResponse(200, _headers(CBOR_CONTENT_TYPE, len(body)), body)


def cbor_error_response(error: AwsError) -> WireResponse:
    """Return an error as the Java SDK reads it over CBOR: __type and message, and a header."""
    body = cbor.encode_response({"__type": error.code, "message": error.message})
    headers = _headers(CBOR_CONTENT_TYPE, len(body))
    headers["x-amzn-ErrorType"] = f"{error.code}:"
    return WireResponse(error.status, headers, body)


def stream_response(messages: Iterator[bytes]) -> WireResponse:
    """Return a 200 response whose body is an event stream."""
    return WireResponse(200, _headers(EVENT_STREAM_CONTENT_TYPE, None), messages)
