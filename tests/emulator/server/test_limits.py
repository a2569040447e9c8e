"""The server stays bounded under hostile and careless clients, and answers bad input with 4xx."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

import pytest

from eventwire_emulator.model import Kinesis, ModelError
from eventwire_emulator.server import (
    EmulatorApp,
    EmulatorServer,
    HttpServer,
    Limits,
    Request,
    Response,
)
from eventwire_emulator.server.viewer_data import ViewerData
from eventwire_emulator.wire import Wire
from tests.emulator.server.h2_client import (
    ErrorCode,
    Flag,
    Frame,
    FrameType,
    H2Client,
    Setting,
    encode,
    frame,
    kinesis_fields,
    rst_stream,
    settings,
)

TARGET = "Kinesis_20131202."


def exchange(url: str, raw: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes or answers one whole response."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        while True:
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if len(rest) >= length:
                    return data
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def error_type(answer: bytes) -> str:
    document: dict[str, str] = json.loads(answer.partition(b"\r\n\r\n")[2])
    return document["__type"]


def post(operation: str, body: bytes, *extra: str) -> bytes:
    lines = [
        "POST / HTTP/1.1",
        "Host: localhost",
        f"X-Amz-Target: {TARGET}{operation}",
        "Content-Type: application/x-amz-json-1.1",
        f"Content-Length: {len(body)}",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def upload(stream_id: int, size: int) -> bytes:
    """DATA frames carrying `size` bytes on a stream, without ending it."""
    return b"".join(
        frame(FrameType.DATA, 0, stream_id, b" " * min(16_000, size - at))
        for at in range(0, size, 16_000)
    )


def quiet_frames(h2: H2Client, seconds: float) -> list[Frame]:
    """The frames that arrive until the connection is quiet for `seconds`."""
    h2.sock.settimeout(seconds)
    seen = []
    try:
        while True:
            seen.append(h2.frame())
    except TimeoutError:
        h2.sock.settimeout(5)
        return seen


def flood_answer(h2: H2Client, data: bytes) -> ErrorCode:
    """Send `data` while reading; the GOAWAY code the server answers with."""
    sender = threading.Thread(target=_send_quietly, args=(h2.sock, data), daemon=True)
    sender.start()
    try:
        return h2.goaway()[0]
    finally:
        sender.join(5)


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)


class CountingApp:
    """The emulator's app, counting the requests it answers."""

    def __init__(self) -> None:
        self.app = EmulatorApp(Wire(Kinesis()))
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.calls += 1
        return self.app(request)


@pytest.fixture
def counting() -> CountingApp:
    return CountingApp()


def h2_server(app: CountingApp, **limits: object) -> HttpServer:
    return HttpServer(app, port=0, limits=Limits(**limits)).start()  # type: ignore[arg-type]


class TestPublicSurface:
    """The server package's public names are pinned."""

    def test_all(self) -> None:
        import eventwire_emulator.server as server

        assert [
            "DEFAULT_HOST",
            "DEFAULT_MAX_BODY",
            "DEFAULT_PORT",
            "EmulatorApp",
            "EmulatorServer",
            "HttpServer",
            "Limits",
            "Request",
            "Response",
        ] == server.__all__


class TestHeaders:
    """Header count and size are capped, repeats included, in linear time (431)."""

    def test_repeated_header_counts(self, server: EmulatorServer) -> None:
        """8,000 repeats of one header: 431 at once, not minutes of folding."""
        answer = exchange(server.url, post("ListStreams", b"{}", *["X-A: 1"] * 8000))
        assert (431, "BadRequestException") == (status(answer), error_type(answer))

    def test_total_header_bytes(self, server: EmulatorServer) -> None:
        """Fifty 2 KB headers are more than the 64 KiB of headers allowed."""
        big = [f"X-{n}: {'v' * 2000}" for n in range(50)]
        assert 431 == status(exchange(server.url, post("ListStreams", b"{}", *big)))

    def test_h2_header_count(self, server: EmulatorServer) -> None:
        """Over HTTP/2 too, 200 fields get 431 and the connection goes on."""
        h2 = H2Client(server.url)
        try:
            fields = kinesis_fields("ListStreams", b"{}") + [("x-a", "1")] * 200
            stream = h2.open(fields)
            assert "431" == h2.response(stream)[0][":status"]
        finally:
            h2.close()


class TestNumbers:
    """Content-Length and the viewer's limit are ASCII digits, else 400."""

    @pytest.mark.parametrize(
        ("length", "code"),
        [("\u00b2", 400), ("1" * 4301, 413), ("-1", 400), ("+5", 400), ("0x10", 400)],
        ids=["superscript two", "4301 digits", "negative", "plus", "hex"],
    )
    def test_content_length(self, server: EmulatorServer, length: str, code: int) -> None:
        raw = (
            f"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
            f"Content-Length: {length}\r\n\r\n{{}}"
        ).encode()
        assert code == status(exchange(server.url, raw))

    @pytest.mark.parametrize("length", ["\u00b2", "1" * 4301])
    def test_h2_content_length(self, server: EmulatorServer, length: str) -> None:
        """Over HTTP/2 h2 refuses such a length with GOAWAY, never a bare reset."""
        h2 = H2Client(server.url)
        try:
            fields = [
                (name, length if name == "content-length" else value)
                for name, value in kinesis_fields("ListStreams", b"{}")
            ]
            h2.open(fields, end_stream=True)
            assert ErrorCode.PROTOCOL_ERROR == h2.goaway()[0]
        finally:
            h2.close()

    def test_viewer_limit(self, server: EmulatorServer) -> None:
        raw = (
            b"GET /viewer/api/records?stream=s&shard=x&limit=%C2%B2 HTTP/1.1\r\n"
            b"Host: localhost\r\n\r\n"
        )
        assert 400 == status(exchange(server.url, raw))


class TestJsonBodies:
    """Bodies the JSON decoder cannot take are 400 SerializationException, not 500."""

    @pytest.mark.parametrize(
        "body",
        [
            b'{"StreamName":' + b"[" * 5000 + b"]" * 5000 + b"}",
            b'{"StreamName":"s","PartitionKey":"\\ud800","Data":"AA=="}',
        ],
        ids=["nested 5,000 deep", "lone surrogate"],
    )
    def test_refused(self, server: EmulatorServer, body: bytes) -> None:
        answer = exchange(server.url, post("PutRecord", body))
        assert (400, "SerializationException") == (status(answer), error_type(answer))


class TestHosts:
    """Only loopback names, the bound address and allowed names are answered."""

    def test_foreign_host_refused(self, server: EmulatorServer) -> None:
        """A rebinding page's name gets 403, for the API and the viewer alike."""
        for raw in (
            post("ListStreams", b"{}").replace(b"Host: localhost", b"Host: evil.example:4567"),
            b"GET /viewer/api/streams HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        ):
            assert 403 == status(exchange(server.url, raw))

    @pytest.mark.parametrize("host", ["localhost", "127.0.0.1:1", "[::1]:80", "a.localhost"])
    def test_loopback_hosts(self, server: EmulatorServer, host: str) -> None:
        raw = post("ListStreams", b"{}").replace(b"localhost", host.encode(), 1)
        assert 200 == status(exchange(server.url, raw))

    def test_allow_host(self) -> None:
        with EmulatorServer(Kinesis(), port=0, allow_hosts=["kinesis"]) as server:
            raw = post("ListStreams", b"{}").replace(b"Host: localhost", b"Host: kinesis:4567")
            assert 200 == status(exchange(server.url, raw))


class TestConnections:
    """A cap on connections with a clear refusal, and a deadline for request heads."""

    def test_cap(self) -> None:
        """Past the cap a connection is answered 503 and closed; the others go on."""
        limits = Limits(max_connections=2)
        with EmulatorServer(Kinesis(), port=0, limits=limits) as server:
            host, port = server.host, server.port
            held = [socket.create_connection((host, port), timeout=5) for _ in range(2)]
            try:
                deadline = time.monotonic() + 5
                while server.connections < 2 and time.monotonic() < deadline:
                    time.sleep(0.01)
                answer = exchange(server.url, post("ListStreams", b"{}"))
                assert (503, "ServiceUnavailableException") == (
                    status(answer),
                    error_type(answer),
                )
                held[0].sendall(post("ListStreams", b"{}"))
                assert b"200 OK" in held[0].recv(65536)
            finally:
                for sock in held:
                    sock.close()

    def test_slow_head_gets_408(self) -> None:
        """A head trickling in past the deadline is answered 408 and the socket closed."""
        with EmulatorServer(Kinesis(), port=0, limits=Limits(header_timeout=0.5)) as server:
            with socket.create_connection((server.host, server.port), timeout=5) as sock:
                started = time.monotonic()
                sock.sendall(b"POST / HTTP/1.1\r\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
                    sock.sendall(b"X")  # a byte at a time keeps each read alive
                    time.sleep(0.1)
            assert 408 == status(data)
            assert time.monotonic() - started < 4


class TestHttp2Bounds:
    """Uploads, responses and control frames per HTTP/2 connection are bounded."""

    def test_upload_acknowledged_only_when_consumed(self, counting: CountingApp) -> None:
        """Unfinished bodies use up the connection window; finishing them reopens it."""
        server = h2_server(counting, max_body=40_000, h2_upload_window=65_535)
        h2 = H2Client(server.url)
        try:
            fields = [f for f in kinesis_fields("ListStreams", b"") if f[0] != "content-length"]
            first, second = h2.open(fields), h2.open(fields)
            h2.send(upload(first, 30_000) + upload(second, 30_000))
            seen = quiet_frames(h2, 0.5)
            assert [] == [f for f in seen if f.type == FrameType.WINDOW_UPDATE]
            assert 0 == counting.calls
            h2.sock.settimeout(5)
            h2.send(frame(FrameType.DATA, Flag.END_STREAM, first, b"{}"))
            h2.send(frame(FrameType.DATA, Flag.END_STREAM, second, b"{}"))
            # The connection's window reopens (streams' windows may too, first).
            while h2.frame_of(FrameType.WINDOW_UPDATE).stream_id != 0:
                pass
        finally:
            h2.close()
            server.stop()

    def test_upload_over_the_connection_window(self, counting: CountingApp) -> None:
        """A client that sends past the unacknowledged window gets FLOW_CONTROL_ERROR."""
        server = h2_server(counting, max_body=40_000, h2_upload_window=65_535)
        h2 = H2Client(server.url)
        try:
            fields = [f for f in kinesis_fields("ListStreams", b"") if f[0] != "content-length"]
            for _ in range(3):
                h2.send(upload(h2.open(fields), 30_000))
            assert ErrorCode.FLOW_CONTROL_ERROR == h2.goaway()[0]
        finally:
            h2.close()
            server.stop()

    def test_idle_with_open_streams(self, counting: CountingApp) -> None:
        """Streams opened and never finished do not keep a quiet connection alive."""
        server = h2_server(counting, idle_timeout=0.5)
        h2 = H2Client(server.url)
        try:
            h2.open(kinesis_fields("ListStreams", b"{}"))  # no body follows
            assert ErrorCode.NO_ERROR == h2.goaway()[0]
        finally:
            h2.close()
            server.stop()

    def test_unread_responses_stop_the_app(self, counting: CountingApp) -> None:
        """A client that grants no window gets its requests queued, not all answered."""
        server = h2_server(counting, h2_requests_in_progress=2, h2_pending_response_bytes=1)
        h2 = H2Client(server.url, window=0)
        try:
            for _ in range(20):
                h2.request("ListStreams", {})
            time.sleep(0.5)
            assert counting.calls <= 3
            h2.send(settings({Setting.INITIAL_WINDOW_SIZE: 65_535}))
            h2.sock.settimeout(5)
            ended = set()
            while len(ended) < 20:
                item = h2.frame()
                if item.type == FrameType.DATA and item.has(Flag.END_STREAM):
                    ended.add(item.stream_id)
            assert 20 == counting.calls
        finally:
            h2.close()
            server.stop()

    @pytest.mark.parametrize(
        "flood",
        [
            frame(FrameType.PING, 0, 0, b"12345678"),
            settings({}),
            frame(FrameType.DATA, 0, 1, b""),
        ],
        ids=["PING", "SETTINGS", "empty DATA"],
    )
    def test_control_flood(self, counting: CountingApp, flood: bytes) -> None:
        """Thousands of frames that only make work end with GOAWAY ENHANCE_YOUR_CALM."""
        server = h2_server(counting)
        h2 = H2Client(server.url)
        try:
            h2.open(kinesis_fields("ListStreams", b"{}"))
            assert ErrorCode.ENHANCE_YOUR_CALM == flood_answer(h2, flood * 10_000)
        finally:
            h2.close()
            server.stop()

    def test_rapid_reset(self, counting: CountingApp) -> None:
        """Streams opened and reset at once: GOAWAY, and most never reach the app."""
        server = h2_server(counting)
        h2 = H2Client(server.url)
        try:
            burst = b""
            for _ in range(5000):
                stream = h2.next_stream
                h2.next_stream += 2
                body = b"{}"
                burst += frame(FrameType.HEADERS, Flag.END_HEADERS, stream, _block(body))
                burst += frame(FrameType.DATA, Flag.END_STREAM, stream, body)
                burst += rst_stream(stream, ErrorCode.CANCEL)
            assert ErrorCode.ENHANCE_YOUR_CALM == flood_answer(h2, burst)
        finally:
            h2.close()
            server.stop()
        assert counting.calls < 1500


def _block(body: bytes) -> bytes:
    return encode(kinesis_fields("ListStreams", body))


class TestViewerBounds:
    """The viewer keeps cursors only for shards that exist, and forgets deleted streams."""

    @pytest.fixture
    def kinesis(self) -> Kinesis:
        kinesis = Kinesis()
        kinesis.create_stream("s", 1)
        kinesis.put_record("s", b"x" * 1000, "k")
        return kinesis

    def test_unknown_shards_leave_nothing(self, kinesis: Kinesis) -> None:
        viewer = ViewerData(kinesis)
        for n in range(100):
            with pytest.raises(ModelError):
                viewer.records("s", f"shardId-{n:012d}9", 10)
        assert 0 == viewer.cursors

    def test_deleted_stream_is_forgotten(self, kinesis: Kinesis) -> None:
        viewer = ViewerData(kinesis)
        viewer.records("s", "shardId-000000000000", 10)
        assert 1 == viewer.cursors
        kinesis.delete_stream("s")
        viewer.streams()
        assert 0 == viewer.cursors

    def test_unused_cursors_expire(self, kinesis: Kinesis) -> None:
        now = [0.0]
        viewer = ViewerData(kinesis, clock=lambda: now[0])
        viewer.records("s", "shardId-000000000000", 10)
        kinesis.create_stream("t", 1)
        now[0] = 3600.0
        viewer.records("t", "shardId-000000000000", 10)
        assert 1 == viewer.cursors
