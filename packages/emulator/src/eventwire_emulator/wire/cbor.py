"""The ``application/x-amz-cbor-1.1`` protocol: CBOR bodies in, CBOR bodies out.

The AWS SDK for Java (v1 and v2) and the KPL speak this to Kinesis by default:
the JSON 1.1 protocol's documents, encoded as CBOR (RFC 8949), with blobs as
CBOR byte strings and timestamps as tag 1 (epoch) around a number of
milliseconds, which is what those SDKs write and read. A request is turned into
the JSON protocol's document (bytes to base64, timestamps to epoch seconds) so
that one set of validation tables serves both; an answer goes the other way,
with the service model's blob and timestamp members encoded as CBOR types.

The codec is written here rather than taken from a library because the wire
layer is standard-library only (the project's layering, enforced by a test);
it covers the whole of RFC 8949's data model that these documents use,
indefinite lengths included (Jackson, under the Java SDK, writes them), and
bounds nesting and lengths against the bytes actually present.
"""

from __future__ import annotations

import base64
import math
import struct
from typing import Any

from eventwire_emulator.wire.errors import SerializationError

MEDIA_TYPE = "application/x-amz-cbor-1.1"
MAX_DEPTH = 32
_TAG_EPOCH = 1
_BREAK = 0xFF

#: Response members whose service-model shape is a blob: sent as byte strings.
BLOB_MEMBERS = frozenset({"Data"})
#: Response members whose service-model shape is a timestamp: sent as tag 1 (milliseconds).
TIMESTAMP_MEMBERS = frozenset(
    {
        "ApproximateArrivalTimestamp",
        "StreamCreationTimestamp",
        "ConsumerCreationTimestamp",
        "StartedAt",
        "EndedAt",
        "EarliestAllowedEndAt",
    }
)


class _Tagged:
    """A tag 1 timestamp as decoded, before it becomes epoch seconds."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if count < 0 or end > len(self.data):
            raise SerializationError("CBOR body ends in the middle of an item.")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def head(self) -> tuple[int, int, int]:
        """Return (major type, additional info, argument; -1 for an indefinite length)."""
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, info
        if info in (24, 25, 26, 27):
            size = 1 << (info - 24)
            return major, info, int.from_bytes(self.take(size), "big")
        if info == 31 and major in (2, 3, 4, 5, 7):
            return major, info, -1
        raise SerializationError(f"Malformed CBOR: additional information {info}.")

    def item(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise SerializationError(f"CBOR body nests deeper than {MAX_DEPTH} levels.")
        major, info, argument = self.head()
        if major == 0:
            return argument
        if major == 1:
            return -1 - argument
        if major in (2, 3):
            raw = self.chunks(major) if argument < 0 else self.take(argument)
            if major == 2:
                return raw
            try:
                return raw.decode()
            except UnicodeDecodeError:
                raise SerializationError("CBOR text string is not UTF-8.") from None
        if major == 4:
            if argument < 0:
                items = []
                while not self.at_break():
                    items.append(self.item(depth + 1))
                return items
            self.fits(argument)
            return [self.item(depth + 1) for _ in range(argument)]
        if major == 5:
            document: dict[str, Any] = {}
            count = argument
            if count >= 0:
                self.fits(count * 2)
            while (count < 0 and not self.at_break()) or count > 0:
                key = self.item(depth + 1)
                if not isinstance(key, str):
                    raise SerializationError("CBOR map keys must be text strings.")
                document[key] = self.item(depth + 1)
                count -= 1 if count > 0 else 0
            return document
        if major == 6:
            value = self.item(depth + 1)
            if (
                argument != _TAG_EPOCH
                or isinstance(value, bool)
                or not isinstance(value, int | float)
            ):
                raise SerializationError(f"Unsupported CBOR tag {argument}.")
            return _Tagged(value)
        return self.simple(info, argument)

    def simple(self, info: int, argument: int) -> Any:
        if info == 25:
            return struct.unpack(">e", argument.to_bytes(2, "big"))[0]
        if info == 26:
            return struct.unpack(">f", argument.to_bytes(4, "big"))[0]
        if info == 27:
            return struct.unpack(">d", argument.to_bytes(8, "big"))[0]
        simple = {20: False, 21: True, 22: None, 23: None}
        if argument in simple and info < 24:
            return simple[argument]
        raise SerializationError(f"Unsupported CBOR simple value {argument}.")

    def chunks(self, major: int) -> bytes:
        parts = []
        while not self.at_break():
            chunk_major, _, length = self.head()
            if chunk_major != major or length < 0:
                raise SerializationError("Malformed indefinite-length CBOR string.")
            parts.append(self.take(length))
        return b"".join(parts)

    def at_break(self) -> bool:
        if self.pos >= len(self.data):
            raise SerializationError("CBOR body ends inside an indefinite-length item.")
        if self.data[self.pos] == _BREAK:
            self.pos += 1
            return True
        return False

    def fits(self, items: int) -> None:
        # Every item takes at least one byte: refuse counts the body cannot hold.
        if items > len(self.data) - self.pos:
            raise SerializationError("CBOR length is larger than the body.")


def _to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, _Tagged):
        return value.value / 1000.0  # the Java SDK writes milliseconds
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise SerializationError("CBOR body holds a NaN or an infinity.")
    return value


def decode_request(body: bytes) -> Any:
    """Return the JSON protocol's document for a CBOR request body.

    Raises:
        SerializationError: the body is not one well-formed CBOR item.
    """
    if not body:
        raise SerializationError("Request body is empty; send a CBOR map, at least an empty one.")
    decoder = _Decoder(body)
    document = decoder.item()
    if decoder.pos != len(body):
        raise SerializationError("CBOR body has bytes after its item.")
    return _to_json(document)


def _head(out: bytearray, major: int, argument: int) -> None:
    if argument < 24:
        out.append(major << 5 | argument)
    elif argument < 1 << 8:
        out += bytes((major << 5 | 24, argument))
    elif argument < 1 << 16:
        out.append(major << 5 | 25)
        out += argument.to_bytes(2, "big")
    elif argument < 1 << 32:
        out.append(major << 5 | 26)
        out += argument.to_bytes(4, "big")
    else:
        out.append(major << 5 | 27)
        out += argument.to_bytes(8, "big")


def _encode(out: bytearray, value: Any, member: str | None) -> None:
    if member in BLOB_MEMBERS and isinstance(value, str):
        raw = base64.b64decode(value)
        _head(out, 2, len(raw))
        out += raw
    elif member in TIMESTAMP_MEMBERS and isinstance(value, int | float):
        _head(out, 6, _TAG_EPOCH)
        _encode(out, round(value * 1000), None)
    elif value is None:
        out.append(0xF6)
    elif value is True or value is False:
        out.append(0xF5 if value else 0xF4)
    elif isinstance(value, int):
        if value >= 0:
            _head(out, 0, value)
        else:
            _head(out, 1, -1 - value)
    elif isinstance(value, float):
        out.append(0xFB)
        out += struct.pack(">d", value)
    elif isinstance(value, str):
        raw = value.encode()
        _head(out, 3, len(raw))
        out += raw
    elif isinstance(value, list):
        _head(out, 4, len(value))
        for item in value:
            _encode(out, item, member)
    elif isinstance(value, dict):
        _head(out, 5, len(value))
        for key, item in value.items():
            _encode(out, key, None)
            _encode(out, item, key)
    else:  # pragma: no cover - documents hold only the types above
        raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def encode_response(document: Any) -> bytes:
    """Return the CBOR encoding of a JSON protocol answer (blobs and timestamps typed)."""
    out = bytearray()
    _encode(out, document, None)
    return bytes(out)
