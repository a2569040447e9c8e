"""HTTP/2 frames (RFC 9113 sections 4 and 6): constants, errors, reading and building."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

#: What a client sends first on an h2c prior-knowledge connection (RFC 9113 section 3.4).
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADER_SIZE = 9
DEFAULT_WINDOW = 65_535
MAX_WINDOW = 2**31 - 1
DEFAULT_MAX_FRAME_SIZE = 16_384
LARGEST_MAX_FRAME_SIZE = 2**24 - 1

_HEADER = struct.Struct(">HBBBL")  # 24-bit length as 16 + 8 bits, type, flags, stream id


class FrameType(IntEnum):
    """Frame types of RFC 9113 section 6."""

    DATA = 0x0
    HEADERS = 0x1
    PRIORITY = 0x2
    RST_STREAM = 0x3
    SETTINGS = 0x4
    PUSH_PROMISE = 0x5
    PING = 0x6
    GOAWAY = 0x7
    WINDOW_UPDATE = 0x8
    CONTINUATION = 0x9


class Flag:
    """Frame flags; one bit means different things on different frame types."""

    END_STREAM = 0x1
    ACK = 0x1
    END_HEADERS = 0x4
    PADDED = 0x8
    PRIORITY = 0x20


class ErrorCode(IntEnum):
    """Error codes of RFC 9113 section 7."""

    NO_ERROR = 0x0
    PROTOCOL_ERROR = 0x1
    INTERNAL_ERROR = 0x2
    FLOW_CONTROL_ERROR = 0x3
    SETTINGS_TIMEOUT = 0x4
    STREAM_CLOSED = 0x5
    FRAME_SIZE_ERROR = 0x6
    REFUSED_STREAM = 0x7
    CANCEL = 0x8
    COMPRESSION_ERROR = 0x9
    CONNECT_ERROR = 0xA
    ENHANCE_YOUR_CALM = 0xB
    INADEQUATE_SECURITY = 0xC
    HTTP_1_1_REQUIRED = 0xD


class Setting(IntEnum):
    """SETTINGS parameters of RFC 9113 section 6.5.2."""

    HEADER_TABLE_SIZE = 0x1
    ENABLE_PUSH = 0x2
    MAX_CONCURRENT_STREAMS = 0x3
    INITIAL_WINDOW_SIZE = 0x4
    MAX_FRAME_SIZE = 0x5
    MAX_HEADER_LIST_SIZE = 0x6


class H2Error(Exception):
    """A connection error: answered with GOAWAY carrying `code`, then the connection ends."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class StreamError(Exception):
    """A stream error: answered with RST_STREAM carrying `code`; the connection goes on."""

    def __init__(self, stream_id: int, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.stream_id = stream_id
        self.code = code


@dataclass(frozen=True, slots=True)
class Frame:
    """One received frame; `payload` still holds any padding."""

    type: int
    flags: int
    stream_id: int
    payload: bytes

    def has(self, flag: int) -> bool:
        """Whether `flag` is set."""
        return bool(self.flags & flag)


def parse_header(header: bytes) -> tuple[int, int, int, int]:
    """Split a 9-byte frame header into length, type, flags and stream id (R bit dropped)."""
    high, low, kind, flags, stream_id = _HEADER.unpack(header)
    return (high << 8) | low, kind, flags, stream_id & MAX_WINDOW


def frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    """Serialize one frame."""
    length = len(payload)
    return _HEADER.pack(length >> 8, length & 0xFF, kind, flags, stream_id) + payload


def unpad(item: Frame) -> bytes:
    """The payload of a DATA or HEADERS frame without its padding (section 6.1).

    Raises:
        H2Error: PROTOCOL_ERROR when the padding is as long as the payload or longer.
    """
    payload = item.payload
    if not item.has(Flag.PADDED):
        return payload
    if not payload or payload[0] >= len(payload):
        raise H2Error(ErrorCode.PROTOCOL_ERROR, "The padding is longer than the frame.")
    return payload[1 : len(payload) - payload[0]]


def header_fragment(item: Frame) -> tuple[bytes, int | None]:
    """A HEADERS frame's field block fragment and its priority dependency, if it has one.

    Raises:
        H2Error: PROTOCOL_ERROR for bad padding, FRAME_SIZE_ERROR for a short priority.
    """
    payload = unpad(item)
    if not item.has(Flag.PRIORITY):
        return payload, None
    if len(payload) < 5:
        raise H2Error(ErrorCode.FRAME_SIZE_ERROR, "A HEADERS priority needs 5 bytes.")
    return payload[5:], struct.unpack_from(">L", payload)[0] & MAX_WINDOW


def parse_settings(payload: bytes) -> list[tuple[int, int]]:
    """The (identifier, value) pairs of a SETTINGS frame, validated (section 6.5.2).

    Raises:
        H2Error: FRAME_SIZE_ERROR for a ragged payload; PROTOCOL_ERROR or
            FLOW_CONTROL_ERROR for a value out of its range.
    """
    if len(payload) % 6:
        raise H2Error(ErrorCode.FRAME_SIZE_ERROR, "A SETTINGS payload is a multiple of 6 bytes.")
    pairs = [struct.unpack_from(">HL", payload, offset) for offset in range(0, len(payload), 6)]
    for identifier, value in pairs:
        if identifier == Setting.ENABLE_PUSH and value > 1:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, f"SETTINGS_ENABLE_PUSH {value} is not 0 or 1.")
        if identifier == Setting.INITIAL_WINDOW_SIZE and value > MAX_WINDOW:
            raise H2Error(
                ErrorCode.FLOW_CONTROL_ERROR, f"SETTINGS_INITIAL_WINDOW_SIZE {value} is too large."
            )
        if identifier == Setting.MAX_FRAME_SIZE and not (
            DEFAULT_MAX_FRAME_SIZE <= value <= LARGEST_MAX_FRAME_SIZE
        ):
            raise H2Error(ErrorCode.PROTOCOL_ERROR, f"SETTINGS_MAX_FRAME_SIZE {value} is invalid.")
    return pairs


def settings(pairs: dict[Setting, int]) -> bytes:
    """A SETTINGS frame carrying `pairs`."""
    payload = b"".join(struct.pack(">HL", key, value) for key, value in pairs.items())
    return frame(FrameType.SETTINGS, 0, 0, payload)


def window_update(stream_id: int, increment: int) -> bytes:
    """A WINDOW_UPDATE frame."""
    return frame(FrameType.WINDOW_UPDATE, 0, stream_id, struct.pack(">L", increment))


def rst_stream(stream_id: int, code: ErrorCode) -> bytes:
    """A RST_STREAM frame."""
    return frame(FrameType.RST_STREAM, 0, stream_id, struct.pack(">L", code))


def goaway(last_stream_id: int, code: ErrorCode, debug: str = "") -> bytes:
    """A GOAWAY frame; `debug` is a short human-readable reason."""
    payload = struct.pack(">LL", last_stream_id, code) + debug.encode()[:256]
    return frame(FrameType.GOAWAY, 0, 0, payload)


def read_u32(payload: bytes, name: str) -> int:
    """The one 31-bit value of a RST_STREAM or WINDOW_UPDATE payload.

    Raises:
        H2Error: FRAME_SIZE_ERROR unless the payload is exactly 4 bytes.
    """
    if len(payload) != 4:
        raise H2Error(ErrorCode.FRAME_SIZE_ERROR, f"A {name} payload is 4 bytes.")
    value: int = struct.unpack(">L", payload)[0]
    return value
