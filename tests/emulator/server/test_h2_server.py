"""h2c against a real server over raw sockets: requests, flow control, streams and errors."""

from __future__ import annotations

import base64
import json
import struct
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer, Limits
from eventwire_emulator.server.http2 import PREFACE
from tests.emulator.server.h2_client import (
    ErrorCode,
    Flag,
    FrameType,
    H2Client,
    Setting,
    encode,
    frame,
    kinesis_fields,
    rst_code,
    rst_stream,
    settings,
    window_update,
)

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

SMALL_BODY_LIMIT = 4096


@pytest.fixture
def h2(server: EmulatorServer) -> Iterator[H2Client]:
    connection = H2Client(server.url)
    yield connection
    connection.close()


@pytest.fixture
def small_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Kinesis(), port=0, limits=Limits(max_body=SMALL_BODY_LIMIT)) as running:
        yield running


def document(body: bytes) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(body)
    return loaded


class TestHandshake:
    """The connection preface and SETTINGS exchange."""

    def test_server_settings(self, h2: H2Client) -> None:
        """No push; the stream window admits exactly one body over the 16 MiB cap."""
        assert 0 == h2.server_settings[Setting.ENABLE_PUSH]
        assert 16 * 1024 * 1024 + 1 == h2.server_settings[Setting.INITIAL_WINDOW_SIZE]

    def test_ping_is_acknowledged(self, h2: H2Client) -> None:
        """PING comes back with ACK and the same payload."""
        h2.send(frame(FrameType.PING, 0, 0, b"12345678"))
        pong = h2.frame_of(FrameType.PING)
        assert (Flag.ACK, b"12345678") == (pong.flags, pong.payload)


class TestRequests:
    """Kinesis calls and viewer pages over HTTP/2."""

    def test_kinesis_calls(self, h2: H2Client) -> None:
        """CreateStream then ListStreams on successive streams of one connection."""
        created = h2.request("CreateStream", {"StreamName": "h2", "ShardCount": 1})
        headers, _ = h2.response(created)
        assert ("200", "application/x-amz-json-1.1") == (
            headers[":status"],
            headers["content-type"],
        )
        listed = h2.request("ListStreams", {})
        assert ["h2"] == document(h2.response(listed)[1])["StreamNames"]

    def test_body_in_padded_pieces(self, h2: H2Client) -> None:
        """A body split over padded DATA frames, ended by an empty one, arrives whole."""
        body = b'{"StreamName":"pieces","ShardCount":1}'
        stream = h2.open(kinesis_fields("CreateStream", body))
        h2.send(frame(FrameType.DATA, Flag.PADDED, stream, b"\x05" + body[:10] + b"\x00" * 5))
        h2.send(frame(FrameType.DATA, 0, stream, body[10:]))
        h2.send(frame(FrameType.DATA, Flag.END_STREAM, stream))
        assert "200" == h2.response(stream)[0][":status"]

    def test_field_block_in_continuations(self, h2: H2Client) -> None:
        """A field block split over HEADERS and two CONTINUATION frames."""
        block = encode([*kinesis_fields("ListStreams", b"{}"), ("x-padding", "p" * 20_000)])
        h2.send(
            frame(FrameType.HEADERS, 0, 1, block[:100])
            + frame(FrameType.CONTINUATION, 0, 1, block[100:16_000])
            + frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block[16_000:])
            + frame(FrameType.DATA, Flag.END_STREAM, 1, b"{}")
        )
        assert [] == document(h2.response(1)[1])["StreamNames"]

    def test_trailers_end_the_request(self, h2: H2Client) -> None:
        """Trailer fields after the body end the stream and are ignored."""
        stream = h2.open(kinesis_fields("ListStreams", b"{}"))
        h2.send(frame(FrameType.DATA, 0, stream, b"{}"))
        h2.send(
            frame(
                FrameType.HEADERS,
                Flag.END_HEADERS | Flag.END_STREAM,
                stream,
                encode([("x-t", "1")]),
            )
        )
        assert "200" == h2.response(stream)[0][":status"]

    def test_viewer_over_http2(self, h2: H2Client) -> None:
        """GET and HEAD route to the viewer as over HTTP/1.1; HEAD has no body."""
        get = [
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/health"),
            (":authority", "localhost"),
        ]
        headers, body = h2.response(h2.open(get, end_stream=True))
        assert ("200", {"status": "ok"}) == (headers[":status"], json.loads(body))
        head = [(":method", "HEAD"), *get[1:]]
        headers, body = h2.response(h2.open(head, end_stream=True))
        assert ("200", b"") == (headers[":status"], body)


def put_big_records(client: KinesisClient, stream: str) -> bytes:
    client.create_stream(StreamName=stream, ShardCount=1)
    data = bytes(range(256)) * 200  # 51,200 bytes a record
    client.put_records(
        StreamName=stream, Records=[{"Data": data, "PartitionKey": str(n)} for n in range(10)]
    )
    return data


class TestFlowControl:
    """The server holds to the client's windows and frame size."""

    def test_big_body_through_a_small_window(
        self, server: EmulatorServer, client: KinesisClient
    ) -> None:
        """A 680 KB GetRecords body crosses a 1,000-byte stream window without stalling."""
        data = put_big_records(client, "big")
        shard = client.list_shards(StreamName="big")["Shards"][0]["ShardId"]
        iterator = client.get_shard_iterator(
            StreamName="big", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        h2 = H2Client(server.url, window=1000)
        try:
            stream = h2.request("GetRecords", {"ShardIterator": iterator})
            frames: list[int] = []
            headers: dict[str, str] = {}
            body = b""
            while True:
                item = h2.frame()
                if item.type == FrameType.HEADERS:
                    headers = dict(h2.decoder.decode(item.payload))
                if item.type == FrameType.DATA:
                    frames.append(len(item.payload))
                    body += item.payload
                    if item.payload:
                        h2.send(
                            window_update(0, len(item.payload))
                            + window_update(stream, len(item.payload))
                        )
                if item.has(Flag.END_STREAM):
                    break
        finally:
            h2.close()
        records = document(body)["Records"]
        assert isinstance(records, list)
        assert [base64.b64encode(data).decode()] * 10 == [r["Data"] for r in records]
        assert 1000 == max(frames)
        assert headers["content-length"] == str(len(body))

    def test_frames_respect_max_frame_size(
        self, server: EmulatorServer, client: KinesisClient
    ) -> None:
        """With a large window, DATA frames are cut at SETTINGS_MAX_FRAME_SIZE."""
        put_big_records(client, "frames")
        h2 = H2Client(server.url, handshake=False)
        try:
            h2.send(
                PREFACE
                + settings({Setting.MAX_FRAME_SIZE: 20_000, Setting.INITIAL_WINDOW_SIZE: 2**24})
            )
            h2.read_settings()
            h2.send(window_update(0, 2**24))
            stream = h2.request("DescribeStream", {"StreamName": "frames"})
            h2.response(stream)
            shard = client.list_shards(StreamName="frames")["Shards"][0]["ShardId"]
            iterator = client.get_shard_iterator(
                StreamName="frames", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            stream = h2.request("GetRecords", {"ShardIterator": iterator})
            sizes = []
            while not (item := h2.frame_of(FrameType.DATA)).has(Flag.END_STREAM):
                sizes.append(len(item.payload))
        finally:
            h2.close()
        assert 20_000 == max(sizes)


def subscribe(client: KinesisClient, h2: H2Client) -> tuple[int, str]:
    """Open a SubscribeToShard stream on `h2`; returns it and the stream name."""
    client.create_stream(StreamName="sub", ShardCount=1)
    arn = client.describe_stream_summary(StreamName="sub")["StreamDescriptionSummary"]["StreamARN"]
    consumer = client.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]
    while (
        client.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"][
            "ConsumerStatus"
        ]
        != "ACTIVE"
    ):
        time.sleep(0.05)
    stream = h2.request(
        "SubscribeToShard",
        {
            "ConsumerARN": consumer["ConsumerARN"],
            "ShardId": "shardId-000000000000",
            "StartingPosition": {"Type": "LATEST"},
        },
    )
    return stream, "sub"


def quiet_streams(h2: H2Client, seconds: float) -> list[int]:
    """Stream ids of the frames that arrive until the connection is quiet for `seconds`."""
    h2.sock.settimeout(seconds)
    ids = []
    try:
        while True:
            ids.append(h2.frame().stream_id)
    except TimeoutError:
        return ids


class TestConcurrentStreams:
    """A long SubscribeToShard stream shares its connection with other requests."""

    def test_requests_pass_an_open_subscription(self, h2: H2Client, client: KinesisClient) -> None:
        """PutRecord is answered while the event stream is open, and its record streams."""
        subscription, name = subscribe(client, h2)
        head = h2.frame_of(FrameType.HEADERS)
        assert subscription == head.stream_id
        assert (
            "application/vnd.amazon.eventstream"
            == dict(h2.decoder.decode(head.payload))["content-type"]
        )
        put = h2.request(
            "PutRecord",
            {"StreamName": name, "PartitionKey": "k", "Data": base64.b64encode(b"live").decode()},
        )
        events = b""
        answered = False
        deadline = time.monotonic() + 5
        while (
            not (answered and base64.b64encode(b"live") in events) and time.monotonic() < deadline
        ):
            item = h2.frame()
            if item.stream_id == put and item.type == FrameType.DATA and item.has(Flag.END_STREAM):
                answered = True
            if item.stream_id == subscription and item.type == FrameType.DATA:
                events += item.payload
                h2.send(
                    window_update(0, len(item.payload))
                    + window_update(subscription, len(item.payload))
                )
        assert (True, True) == (answered, base64.b64encode(b"live") in events)

    def test_cancelled_subscription_stops(self, h2: H2Client, client: KinesisClient) -> None:
        """After RST_STREAM the subscription sends nothing more; the connection goes on."""
        subscription, _ = subscribe(client, h2)
        h2.frame_of(FrameType.HEADERS)
        h2.send(rst_stream(subscription, ErrorCode.CANCEL))
        time.sleep(1.0)  # two heartbeats: the server notices the reset at its next event
        later = h2.request("ListStreams", {})
        while not ((item := h2.frame()).stream_id == later and item.has(Flag.END_STREAM)):
            pass
        assert subscription not in quiet_streams(h2, 1.0)


class TestBodyLimits:
    """Bodies over the cap get an AWS-shaped 413, like HTTP/1.1, without being buffered."""

    def test_content_length_over_cap(self, small_server: EmulatorServer) -> None:
        """A declared length over the cap is refused before any DATA, then reset (NO_ERROR)."""
        h2 = H2Client(small_server.url)
        try:
            stream = h2.open(kinesis_fields("PutRecord", b"x" * 5000))
            head = h2.frame_of(FrameType.HEADERS)
            body = h2.frame_of(FrameType.DATA)
            reset = h2.frame_of(FrameType.RST_STREAM)
        finally:
            h2.close()
        assert ("413", "RequestEntityTooLargeException") == (
            dict(h2.decoder.decode(head.payload))[":status"],
            document(body.payload)["__type"],
        )
        assert (stream, ErrorCode.NO_ERROR) == (reset.stream_id, rst_code(reset))

    def test_data_over_cap(self, small_server: EmulatorServer) -> None:
        """Without a declared length, the DATA byte past the cap gets the 413."""
        h2 = H2Client(small_server.url)
        try:
            fields = [f for f in kinesis_fields("PutRecord", b"") if f[0] != "content-length"]
            stream = h2.open(fields)
            h2.send(frame(FrameType.DATA, 0, stream, b"x" * (SMALL_BODY_LIMIT + 1)))
            headers, body = h2.response(stream)
        finally:
            h2.close()
        assert ("413", "RequestEntityTooLargeException") == (
            headers[":status"],
            document(body)["__type"],
        )

    def test_huge_header_list(self, h2: H2Client) -> None:
        """Fields beyond 64 KiB decoded get a 431; the connection keeps its HPACK state."""
        block = encode([*kinesis_fields("ListStreams", b""), ("x-big", "b" * 70_000)])
        pieces = [block[i : i + 16_384] for i in range(0, len(block), 16_384)]
        raw = frame(FrameType.HEADERS, Flag.END_STREAM, 1, pieces[0])
        for n, piece in enumerate(pieces[1:], start=2):
            raw += frame(
                FrameType.CONTINUATION, Flag.END_HEADERS if n == len(pieces) else 0, 1, piece
            )
        h2.send(raw)
        h2.next_stream = 3
        assert "431" == h2.response(1)[0][":status"]
        assert "200" == h2.response(h2.request("ListStreams", {}))[0][":status"]


def raw_headers(
    stream_id: int, fields: list[tuple[str, str]], flags: int = Flag.END_HEADERS
) -> bytes:
    return frame(FrameType.HEADERS, flags, stream_id, encode(fields))


GET = [(":method", "GET"), (":scheme", "http"), (":path", "/health"), (":authority", "localhost")]


class TestConnectionErrors:
    """Protocol violations end the connection with GOAWAY and the RFC's error code."""

    @pytest.mark.parametrize(
        ("sent", "code"),
        [
            (frame(FrameType.DATA, 0, 0, b"x"), ErrorCode.PROTOCOL_ERROR),
            (raw_headers(0, GET), ErrorCode.PROTOCOL_ERROR),
            (frame(FrameType.SETTINGS, 0, 1), ErrorCode.PROTOCOL_ERROR),
            (frame(FrameType.PING, 0, 1, b"12345678"), ErrorCode.PROTOCOL_ERROR),
            (frame(FrameType.PING, 0, 0, b"1234"), ErrorCode.FRAME_SIZE_ERROR),
            (frame(FrameType.RST_STREAM, 0, 0, b"\x00" * 4), ErrorCode.PROTOCOL_ERROR),
            (frame(FrameType.DATA, 0, 1, b"x" * 16_385), ErrorCode.FRAME_SIZE_ERROR),
            (frame(FrameType.DATA, 0, 9, b"x"), ErrorCode.PROTOCOL_ERROR),
            (raw_headers(2, GET), ErrorCode.PROTOCOL_ERROR),
            (
                frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, b"\x00\x00\x00\x02"),
                ErrorCode.PROTOCOL_ERROR,
            ),
            (frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, b"\x82"), ErrorCode.PROTOCOL_ERROR),
            (
                raw_headers(1, GET, 0) + frame(FrameType.PING, 0, 0, b"12345678"),
                ErrorCode.PROTOCOL_ERROR,
            ),
            (
                frame(FrameType.HEADERS, Flag.END_HEADERS, 1, b"\xff\xff"),
                ErrorCode.PROTOCOL_ERROR,  # h2's code for a field block it cannot decode
            ),
            (window_update(0, 0), ErrorCode.PROTOCOL_ERROR),
            (window_update(0, 2**31 - 1), ErrorCode.FLOW_CONTROL_ERROR),
            (
                frame(FrameType.SETTINGS, 0, 0, struct.pack(">HL", 4, 2**31)),
                ErrorCode.FLOW_CONTROL_ERROR,
            ),
            (frame(FrameType.SETTINGS, Flag.ACK, 0, b"\x00" * 6), ErrorCode.PROTOCOL_ERROR),
            (
                raw_headers(3, GET, Flag.END_HEADERS | Flag.END_STREAM) + raw_headers(1, GET),
                ErrorCode.PROTOCOL_ERROR,  # RFC 9113 section 5.1.1
            ),
        ],
        ids=[
            "DATA on stream 0",
            "HEADERS on stream 0",
            "SETTINGS on a stream",
            "PING on a stream",
            "short PING",
            "RST_STREAM on stream 0",
            "frame over 16384",
            "DATA on an idle stream",
            "even stream id",
            "PUSH_PROMISE",
            "stray CONTINUATION",
            "interrupted field block",
            "HPACK garbage",
            "connection WINDOW_UPDATE of 0",
            "connection window over 2^31-1",
            "initial window over 2^31-1",
            "SETTINGS ACK with payload",
            "stream id going back",
        ],
    )
    def test_goaway(self, h2: H2Client, sent: bytes, code: ErrorCode) -> None:
        """The violation gets GOAWAY with its code, then the server closes."""
        h2.send(sent)
        assert code == h2.goaway()[0]
        with pytest.raises(EOFError):
            h2.frame()

    @pytest.mark.parametrize("then", [b"", settings({})], ids=["alone", "with SETTINGS"])
    def test_bad_preface(self, server: EmulatorServer, then: bytes) -> None:
        """A preface that starts right but ends wrong is a PROTOCOL_ERROR."""
        h2 = H2Client(server.url, handshake=False)
        try:
            h2.send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + then)
            assert ErrorCode.PROTOCOL_ERROR == h2.goaway()[0]
        finally:
            h2.close()

    def test_first_frame_not_settings(self, server: EmulatorServer) -> None:
        """The client's preface must go on with SETTINGS."""
        h2 = H2Client(server.url, handshake=False)
        try:
            h2.send(PREFACE + frame(FrameType.PING, 0, 0, b"12345678"))
            assert ErrorCode.PROTOCOL_ERROR == h2.goaway()[0]
        finally:
            h2.close()

    def test_data_beyond_the_stream_window(self, small_server: EmulatorServer) -> None:
        """More DATA than the stream's window (the cap plus one byte) is FLOW_CONTROL_ERROR."""
        h2 = H2Client(small_server.url)
        try:
            fields = [f for f in kinesis_fields("PutRecord", b"") if f[0] != "content-length"]
            stream = h2.open(fields)
            h2.send(frame(FrameType.DATA, 0, stream, b"x" * (SMALL_BODY_LIMIT + 2)))
            assert ErrorCode.FLOW_CONTROL_ERROR == h2.goaway()[0]
        finally:
            h2.close()


class TestStreamErrors:
    """A malformed request resets its stream only; the connection serves the next one."""

    @pytest.mark.parametrize(
        "fields",
        [
            [f for f in GET if f[0] != ":path"],
            [*GET, ("X-Upper", "1")],
            [*GET, ("connection", "keep-alive")],
            [*GET, ("te", "gzip")],
            [GET[0], ("x-early", "1"), *GET[1:]],
            [*GET, (":method", "GET")],
            [*GET, ("content-length", "5")],
        ],
        ids=[
            "no :path",
            "upper-case name",
            "connection field",
            "te gzip",
            "late pseudo",
            "twice",
            "length",
        ],
    )
    def test_malformed_request(self, h2: H2Client, fields: list[tuple[str, str]]) -> None:
        """RST_STREAM with PROTOCOL_ERROR, then a good request on the same connection."""
        h2.send(raw_headers(1, fields, Flag.END_HEADERS | Flag.END_STREAM))
        reset = h2.frame_of(FrameType.RST_STREAM)
        assert (1, ErrorCode.PROTOCOL_ERROR) == (reset.stream_id, rst_code(reset))
        h2.next_stream = 3
        assert "200" == h2.response(h2.open(GET, end_stream=True))[0][":status"]

    def test_stream_window_update_of_zero(self, h2: H2Client) -> None:
        """A zero increment on a stream: h2 ends the connection (RFC 9113 6.9 allows a reset)."""
        stream = h2.open(kinesis_fields("ListStreams", b"{}"))
        h2.send(window_update(stream, 0))
        assert ErrorCode.PROTOCOL_ERROR == h2.goaway()[0]

    def test_too_many_streams(self, h2: H2Client) -> None:
        """Past SETTINGS_MAX_CONCURRENT_STREAMS h2 ends the connection with PROTOCOL_ERROR."""
        limit = h2.server_settings[Setting.MAX_CONCURRENT_STREAMS]
        for _ in range(limit):
            h2.open(kinesis_fields("ListStreams", b"{}"))  # bodies never sent: all stay open
        h2.open(kinesis_fields("ListStreams", b"{}"))
        assert ErrorCode.PROTOCOL_ERROR == h2.goaway()[0]


class TestClientGoaway:
    """A client's GOAWAY lets the streams it opened finish (RFC 9113 section 6.8)."""

    def test_answers_in_flight_complete(self, h2: H2Client) -> None:
        """The JS SDK sends GOAWAY(0) as soon as headers arrive; the body still comes."""
        stream = h2.request("ListStreams", {})
        h2.send(frame(FrameType.GOAWAY, 0, 0, struct.pack(">LL", 0, ErrorCode.NO_ERROR)))
        headers, body = h2.response(stream)
        assert ("200", []) == (headers[":status"], document(body)["StreamNames"])


class TestShutdown:
    """Stopping the server says GOAWAY to HTTP/2 clients."""

    def test_goaway_on_stop(self) -> None:
        """GOAWAY with NO_ERROR and the last stream served, then the connection closes."""
        server = EmulatorServer(Kinesis(), port=0).start()
        h2 = H2Client(server.url)
        try:
            assert "200" == h2.response(h2.open(GET, end_stream=True))[0][":status"]
            server.stop()
            goaway = h2.frame_of(FrameType.GOAWAY)
            assert (1, ErrorCode.NO_ERROR) == struct.unpack_from(">LL", goaway.payload)
        finally:
            h2.close()
            server.stop()
