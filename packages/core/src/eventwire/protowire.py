"""The few protocol-buffers wire primitives KPL aggregation needs, written by hand.

Core must not depend on ``protobuf``; the aggregated-record schema is tiny, so
varints and length-delimited fields are encoded and parsed here directly.
"""

from __future__ import annotations

VARINT = 0
FIXED64 = 1
LENGTH_DELIMITED = 2
FIXED32 = 5


class WireFormatError(ValueError):
    """The bytes are not a well-formed protocol-buffers message."""


def varint(value: int) -> bytes:
    """Encode a non-negative integer as a base-128 varint."""
    if value < 0:
        raise ValueError(f"varints here are unsigned, got {value}")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_size(value: int) -> int:
    """The number of bytes ``varint(value)`` takes."""
    return max(1, (value.bit_length() + 6) // 7)


def key(field: int, wire_type: int) -> bytes:
    """A field key: the field number and wire type, as a varint."""
    return varint((field << 3) | wire_type)


def length_delimited(field: int, payload: bytes) -> bytes:
    """A length-delimited field (string, bytes or embedded message)."""
    return key(field, LENGTH_DELIMITED) + varint(len(payload)) + payload


def length_delimited_size(field: int, length: int) -> int:
    """Encoded size of a length-delimited field whose payload is ``length`` bytes."""
    return varint_size(field << 3) + varint_size(length) + length


def read_varint(buffer: bytes | memoryview, position: int) -> tuple[int, int]:
    """Read a varint at ``position``; return it and the position after it.

    Raises:
        WireFormatError: the varint is truncated or longer than 64 bits.
    """
    result = 0
    shift = 0
    end = len(buffer)
    while True:
        if position >= end:
            raise WireFormatError("truncated varint")
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift >= 64:
            raise WireFormatError("varint longer than 64 bits")


def fields(buffer: bytes | memoryview) -> list[tuple[int, int, int | memoryview]]:
    """Split a message into ``(field number, wire type, value)`` in order.

    Varints come back as ints, length-delimited fields as memoryviews of the
    payload, fixed-width fields as ints; unknown fields are kept so callers
    can skip them, as protobuf parsers must.

    Raises:
        WireFormatError: the message is malformed (truncated, bad wire type).
    """
    view = memoryview(buffer)
    out: list[tuple[int, int, int | memoryview]] = []
    position = 0
    end = len(view)
    while position < end:
        tag, position = read_varint(view, position)
        number, wire_type = tag >> 3, tag & 0x7
        if number == 0:
            raise WireFormatError("field number 0 is invalid")
        value: int | memoryview
        if wire_type == VARINT:
            value, position = read_varint(view, position)
        elif wire_type == LENGTH_DELIMITED:
            length, position = read_varint(view, position)
            if position + length > end:
                raise WireFormatError("truncated length-delimited field")
            value = view[position : position + length]
            position += length
        elif wire_type in (FIXED64, FIXED32):
            width = 8 if wire_type == FIXED64 else 4
            if position + width > end:
                raise WireFormatError("truncated fixed-width field")
            value = int.from_bytes(view[position : position + width], "little")
            position += width
        else:
            raise WireFormatError(f"unsupported wire type {wire_type}")
        out.append((number, wire_type, value))
    return out
