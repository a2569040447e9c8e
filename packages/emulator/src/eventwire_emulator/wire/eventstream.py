"""AWS event-stream binary framing for SubscribeToShard responses.

A message is: total length (u32), headers length (u32), CRC32 of those 8 bytes,
headers, payload, then CRC32 of everything before it. All integers are big-endian.
A header is: name length (u8), name, value type (u8; 7 = string), value length
(u16), value.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")
_STRING_TYPE = 7
# Prelude (8) + prelude CRC (4) + message CRC (4).
_OVERHEAD = 16
JSON_CONTENT_TYPE = "application/json"


def encode_header(name: str, value: str) -> bytes:
    """Encode one string-valued header."""
    raw_name, raw_value = name.encode(), value.encode()
    if len(raw_name) > 0xFF or len(raw_value) > 0xFFFF:
        raise ValueError(f"event-stream header {name!r} is too long")
    return (
        bytes((len(raw_name),))
        + raw_name
        + bytes((_STRING_TYPE,))
        + len(raw_value).to_bytes(2, "big")
        + raw_value
    )


def encode_message(headers: Iterable[tuple[str, str]], payload: bytes) -> bytes:
    """Encode one event-stream message with string headers."""
    raw_headers = b"".join(encode_header(name, value) for name, value in headers)
    prelude = _PRELUDE.pack(_OVERHEAD + len(raw_headers) + len(payload), len(raw_headers))
    head = prelude + _CRC.pack(zlib.crc32(prelude))
    body = head + raw_headers + payload
    return body + _CRC.pack(zlib.crc32(body))


def event_message(event_type: str, payload: bytes) -> bytes:
    """Encode an ``event`` message, e.g. ``initial-response`` or ``SubscribeToShardEvent``."""
    return encode_message(
        (
            (":event-type", event_type),
            (":content-type", JSON_CONTENT_TYPE),
            (":message-type", "event"),
        ),
        payload,
    )


def exception_message(code: str, payload: bytes) -> bytes:
    """Encode an ``exception`` message that ends the stream with a modeled AWS error."""
    return encode_message(
        (
            (":exception-type", code),
            (":content-type", JSON_CONTENT_TYPE),
            (":message-type", "exception"),
        ),
        payload,
    )
