"""Seeded fuzzing over loopback: malformed HTTP/1.1 requests and HTTP/2 connections.

Every malformed HTTP/1.1 request must get a response below 500 before the
connection ends; every HTTP/2 connection must answer a closing PING or end with
GOAWAY, and every response it sends must be below 500. The seed is fixed, so a
failure reproduces; the counts are the issue's floor for each CI run.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hpack import Decoder

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from eventwire_emulator.server.http2 import PREFACE
from tests.emulator.server.h2_client import Flag, FrameType, encode, frame, kinesis_fields

SEED = 20_261_201
HTTP1_CASES = 10_000
HTTP2_CONNECTIONS = 1_000
TARGET = "Kinesis_20131202."
_BODY = b'{"StreamName":"fuzz","PartitionKey":"k","Data":"AAAA"}'
_DIGITS = ["\u00b2", "\u0663", "\uff11", "1" * 4301, "-1", "+1", " 1", "1_0", "0x1", "", "1e3"]


def _valid(rng: random.Random) -> bytes:
    operation = rng.choice(["PutRecord", "ListStreams", "DescribeStreamSummary", "CreateStream"])
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}{operation}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\nContent-Length: {len(_BODY)}\r\n\r\n"
    ).encode() + _BODY


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(buffer) + 1)
        kind = rng.randrange(4)
        if kind == 0 and at < len(buffer):
            buffer[at] = rng.randrange(256)
        elif kind == 1:
            buffer[at:at] = rng.choice([b"\r\n", b":", b" ", b"\x00", b"\xff", b"\r", b"\n"])
        elif kind == 2:
            del buffer[at : at + rng.randint(1, 20)]
        else:
            buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
    return bytes(buffer)


def _bad_length(rng: random.Random) -> bytes:
    value = rng.choice(_DIGITS)
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
        f"Content-Length: {value}\r\n\r\n{{}}"
    ).encode()


def _bad_chunks(rng: random.Random) -> bytes:
    size = rng.choice(["zz", "-1", "+5", "1 1", "f" * 40, "0x5", "\u00b2", "5", ""])
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
        f"Transfer-Encoding: chunked\r\n\r\n{size}\r\n{{}}\r\n"
    ).encode()


def _many_headers(rng: random.Random) -> bytes:
    lines = [
        f"X-{rng.choice('ab')}: {'v' * rng.randint(1, 3000)}" for _ in range(rng.randint(90, 400))
    ]
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
        + "\r\n".join(lines)
        + "\r\nContent-Length: 2\r\n\r\n{}"
    ).encode()


def _bad_json(rng: random.Random) -> bytes:
    depth = rng.randint(500, 20_000)
    body = rng.choice(
        [
            b'{"StreamName":' + b"[" * depth + b"]" * depth + b"}",
            b'{"StreamName":"s","PartitionKey":"\\udc00","Data":"AA=="}',
            b'{"StreamName": NaN}',
            bytes(rng.randrange(256) for _ in range(40)),
        ]
    )
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}PutRecord\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


_HTTP1: list[Callable[[random.Random], bytes]] = [
    lambda rng: _mutate_bytes(rng, _valid(rng)),
    lambda rng: _mutate_bytes(rng, _valid(rng)),
    _bad_length,
    _bad_chunks,
    _many_headers,
    _bad_json,
]


def _statuses(data: bytes) -> list[int]:
    """Status codes of the whole responses in `data`, read by their Content-Length."""
    codes = []
    while data.startswith(b"HTTP/1.1 "):
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        codes.append(int(head[9:12]))
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        data = rest[length:]
    return codes


def _http1_case(address: tuple[str, int], raw: bytes) -> list[int]:
    with socket.create_connection(address, timeout=10) as sock:
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed before taking everything
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass  # after the answer: the server closed with our bytes unread
    return _statuses(data)


# -- HTTP/2 ---------------------------------------------------------------------------


def _random_frame(rng: random.Random, stream_id: int) -> bytes:
    kind = rng.choice([*range(10), 0x10, 0xFF])
    sid = rng.choice([0, stream_id, stream_id, stream_id + 2, rng.randrange(2**31)])
    flags = rng.choice([0, Flag.END_STREAM, Flag.END_HEADERS, rng.randrange(256)])
    if kind == FrameType.HEADERS:
        fields = kinesis_fields("ListStreams", b"{}")
        if rng.random() < 0.5:
            fields = [(n, v) for n, v in fields if rng.random() < 0.8]
            fields.append((rng.choice(["X-Up", "connection", ":bad", "te", ""]), "1"))
        payload = encode(fields)
        if rng.random() < 0.3:
            payload = _mutate_bytes(rng, payload)
    elif kind == FrameType.DATA:
        payload = rng.choice([b"{}", _BODY, b"", bytes(rng.randrange(256) for _ in range(30))])
    elif kind in (FrameType.PING, FrameType.SETTINGS, FrameType.WINDOW_UPDATE):
        payload = bytes(rng.randrange(256) for _ in range(rng.choice([0, 4, 6, 8, 12])))
    else:
        payload = bytes(rng.randrange(256) for _ in range(rng.randint(0, 20)))
    if rng.random() < 0.02:
        payload = b"\x00" * 16_385  # over SETTINGS_MAX_FRAME_SIZE
    return frame(kind, flags, sid, payload)


def _request_frames(stream_id: int) -> bytes:
    return frame(
        FrameType.HEADERS,
        Flag.END_HEADERS,
        stream_id,
        encode(kinesis_fields("ListStreams", b"{}")),
    ) + frame(FrameType.DATA, Flag.END_STREAM, stream_id, b"{}")


def _h2_case(address: tuple[str, int], rng: random.Random) -> tuple[str, list[int]]:
    """Send a fuzzed connection; how it ended (``pong`` or ``goaway``) and the statuses seen."""
    frames = [struct.pack(">HL", 4, rng.choice([0, 65_535, 2**31]))]  # SETTINGS payload
    out = PREFACE + frame(FrameType.SETTINGS, 0, 0, frames[0] if rng.random() < 0.3 else b"")
    stream_id = 1
    requests = set()
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.4:
            out += _request_frames(stream_id)
            requests.add(stream_id)
            stream_id += 2
        else:
            out += _random_frame(rng, stream_id)
    out += frame(FrameType.PING, 0, 0, b"fuzzdone")
    decoder = Decoder()
    statuses: list[int] = []
    ponged = False
    with socket.create_connection(address, timeout=10) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(out)
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            except TimeoutError:
                # Answered PING; a request stream the fuzz broke may stay open.
                return "pong", statuses
            if not chunk:
                return "dropped", statuses
            data += chunk
            while len(data) >= 9 and len(data) >= 9 + int.from_bytes(data[:3], "big"):
                length = int.from_bytes(data[:3], "big")
                kind, flags, payload = data[3], data[4], data[9 : 9 + length]
                sid = int.from_bytes(data[5:9], "big")
                data = data[9 + length :]
                if kind == FrameType.GOAWAY:
                    return "goaway", statuses
                if kind == FrameType.PING and flags & Flag.ACK and payload == b"fuzzdone":
                    ponged = True
                    sock.settimeout(0.5)
                if kind == FrameType.HEADERS:
                    fields = dict(decoder.decode(payload))
                    statuses.append(int(fields[":status"]))
                if kind == FrameType.RST_STREAM or flags & Flag.END_STREAM:
                    requests.discard(sid)
            if ponged and not requests:
                return "pong", statuses


class TestFuzz:
    """Malformed input never gets a 5xx or a silent close, and the server stays healthy."""

    @pytest.fixture
    def fuzz_server(self) -> EmulatorServer:
        kinesis = Kinesis()
        kinesis.create_stream("fuzz", 1)
        return EmulatorServer(kinesis, port=0)

    def test_http1_and_http2(self, fuzz_server: EmulatorServer) -> None:
        rng = random.Random(SEED)
        started = time.monotonic()
        with fuzz_server as server:
            address = (server.host, server.port)
            cases = [rng.choice(_HTTP1)(rng) for _ in range(HTTP1_CASES)]
            with ThreadPoolExecutor(4) as pool:
                results = list(pool.map(lambda raw: (raw, _http1_case(address, raw)), cases))
            http1 = Counter(code for _, codes in results for code in codes)
            silent = [raw for raw, codes in results if raw.strip() and not codes]
            seeds = [random.Random(rng.random()) for _ in range(HTTP2_CONNECTIONS)]
            with ThreadPoolExecutor(4) as pool:
                ends = list(pool.map(lambda r: _h2_case(address, r), seeds))
            http2 = Counter(code for _, codes in ends for code in codes)
            endings = Counter(ending for ending, _ in ends)
            healthy = _http1_case(address, _valid(random.Random(1)))
        print(  # the counts for the record (pytest -s shows them)
            f"\nfuzz: {HTTP1_CASES} HTTP/1.1 cases {dict(sorted(http1.items()))}; "
            f"{HTTP2_CONNECTIONS} HTTP/2 connections {dict(endings)} "
            f"responses {dict(sorted(http2.items()))}; {time.monotonic() - started:.1f} s"
        )
        assert [] == [code for code in http1 if code >= 500]
        assert [] == silent[:3]
        assert [] == [code for code in http2 if code >= 500]
        assert 0 == endings["dropped"]
        assert [200] == healthy
