"""WireResponse: what the wire layer hands a transport, JSON or an event stream."""

from __future__ import annotations

import binascii
import json
import os
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


def _request_ids() -> tuple[str, str]:
    """A random (version 4) UUID and 48 random bytes in base64, from one read of urandom.

    Formatted by hand: ``uuid.uuid4`` and a second urandom cost twice as much, on
    every response.
    """
    raw = os.urandom(64)
    h = raw[:16].hex()
    variant = "89ab"[raw[8] >> 4 & 3]  # RFC 9562: the variant's top bits are 10
    request_id = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"
    return request_id, binascii.b2a_base64(raw[16:], newline=False).decode()


def _headers(content_type: str, length: int | None) -> dict[str, str]:
    # Real Kinesis sends both request ids; botocore surfaces them in ResponseMetadata.
    request_id, id_2 = _request_ids()
    headers = {
        "Content-Type": content_type,
        "x-amzn-RequestId": request_id,
        "x-amz-id-2": id_2,
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
