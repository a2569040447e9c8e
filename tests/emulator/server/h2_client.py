"""A raw-socket HTTP/2 client for tests: it sends exactly the frames a test asks for."""

from __future__ import annotations

import json
import socket
import struct
from dataclasses import dataclass
from enum import IntEnum

from h2.errors import ErrorCodes as ErrorCode
from h2.settings import SettingCodes as Setting
from hpack import Decoder, Encoder

from eventwire_emulator.server.http2 import PREFACE

TARGET = "Kinesis_20131202."


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


@dataclass(frozen=True)
class Frame:
    type: int
    flags: int
    stream_id: int
    payload: bytes

    def has(self, flag: int) -> bool:
        return bool(self.flags & flag)


def frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    """One frame, exactly as given: tests build malformed ones too."""
    return (
        struct.pack(">L", len(payload))[1:]
        + bytes([kind, flags])
        + struct.pack(">L", stream_id)
        + payload
    )


def settings(pairs: dict[int, int]) -> bytes:
    return frame(
        FrameType.SETTINGS, 0, 0, b"".join(struct.pack(">HL", k, v) for k, v in pairs.items())
    )


def window_update(stream_id: int, increment: int) -> bytes:
    return frame(FrameType.WINDOW_UPDATE, 0, stream_id, struct.pack(">L", increment))


def rst_stream(stream_id: int, code: int) -> bytes:
    return frame(FrameType.RST_STREAM, 0, stream_id, struct.pack(">L", code))


def parse_header(header: bytes) -> tuple[int, int, int, int]:
    return (
        int.from_bytes(header[:3], "big"),
        header[3],
        header[4],
        int.from_bytes(header[5:9], "big") & 0x7FFFFFFF,
    )


def encode(fields: list[tuple[str, str]]) -> bytes:
    """A field block with a fresh encoder: literals and static-table references only."""
    encoder = Encoder()
    encoder.header_table_size = 0
    return bytes(encoder.encode(fields))


def kinesis_fields(operation: str, body: bytes, **extra: str) -> list[tuple[str, str]]:
    """Request fields for a Kinesis JSON call."""
    return [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "localhost"),
        ("x-amz-target", TARGET + operation),
        ("content-type", "application/x-amz-json-1.1"),
        ("content-length", str(len(body))),
        *extra.items(),
    ]


class H2Client:
    """One h2c connection; reads frames one at a time, no automatic flow control."""

    def __init__(self, url: str, *, handshake: bool = True, window: int | None = None) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.decoder = _Decoder()
        self.next_stream = 1
        #: The server's SETTINGS, once read.
        self.server_settings: dict[int, int] = {}
        if handshake:
            pairs = {} if window is None else {Setting.INITIAL_WINDOW_SIZE: window}
            self.send(PREFACE + settings(pairs))
            self.read_settings()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise EOFError("the server closed the connection")
            data += chunk
        return data

    def frame(self) -> Frame:
        """The next frame from the server."""
        length, kind, flags, stream_id = parse_header(self._exact(9))
        return Frame(kind, flags, stream_id, self._exact(length) if length else b"")

    def frame_of(self, *kinds: FrameType) -> Frame:
        """The next frame of one of `kinds`, skipping others (WINDOW_UPDATE, ACKs...)."""
        while (item := self.frame()).type not in kinds:
            pass
        return item

    def read_settings(self) -> None:
        """Read the server's SETTINGS, acknowledge them, and wait for the ACK of ours."""
        first = self.frame()
        assert (FrameType.SETTINGS, 0) == (first.type, first.flags)
        self.server_settings = dict(
            struct.unpack_from(">HL", first.payload, offset)
            for offset in range(0, len(first.payload), 6)
        )
        self.send(frame(FrameType.SETTINGS, Flag.ACK, 0))
        ack = self.frame_of(FrameType.SETTINGS)
        assert Flag.ACK == ack.flags

    def open(self, fields: list[tuple[str, str]], *, end_stream: bool = False) -> int:
        """Send HEADERS on a new stream; returns its id."""
        stream_id = self.next_stream
        self.next_stream += 2
        flags = Flag.END_HEADERS | (Flag.END_STREAM if end_stream else 0)
        self.send(frame(FrameType.HEADERS, flags, stream_id, encode(fields)))
        return stream_id

    def request(self, operation: str, document: dict[str, object]) -> int:
        """Send a whole Kinesis call (HEADERS, then one DATA with END_STREAM)."""
        body = json.dumps(document).encode()
        stream_id = self.open(kinesis_fields(operation, body))
        self.send(frame(FrameType.DATA, Flag.END_STREAM, stream_id, body))
        return stream_id

    def response(self, stream_id: int, *, grant: bool = False) -> tuple[dict[str, str], bytes]:
        """Read one stream's whole response; `grant` returns window for each DATA frame."""
        headers: dict[str, str] = {}
        body = b""
        while True:
            item = self.frame()
            if item.type == FrameType.GOAWAY:
                raise AssertionError(f"GOAWAY {goaway_code(item)!r}: {item.payload[8:]!r}")
            if item.stream_id != stream_id:
                continue
            if item.type == FrameType.HEADERS:
                assert item.has(Flag.END_HEADERS)
                headers = dict(self.decoder.decode(item.payload))
            elif item.type == FrameType.DATA:
                body += item.payload
                if grant and item.payload:
                    self.send(
                        window_update(0, len(item.payload))
                        + window_update(stream_id, len(item.payload))
                    )
            elif item.type == FrameType.RST_STREAM:
                raise AssertionError(f"RST_STREAM {rst_code(item)!r}")
            if item.has(Flag.END_STREAM):
                return headers, body

    def goaway(self) -> tuple[ErrorCode, bytes]:
        """Read until GOAWAY; its error code and debug data."""
        item = self.frame_of(FrameType.GOAWAY)
        return goaway_code(item), item.payload[8:]


def goaway_code(item: Frame) -> ErrorCode:
    return ErrorCode(struct.unpack_from(">L", item.payload, 4)[0])


def rst_code(item: Frame) -> ErrorCode:
    return ErrorCode(struct.unpack(">L", item.payload)[0])


class _Decoder:
    """hpack's decoder, answering str pairs."""

    def __init__(self) -> None:
        self._decoder = Decoder()
        self._decoder.max_header_list_size = 2**20

    def decode(self, block: bytes) -> list[tuple[str, str]]:
        return [(str(n), str(v)) for n, v in self._decoder.decode(block)]
