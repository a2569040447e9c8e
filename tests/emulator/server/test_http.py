"""HTTP handling over raw sockets: framing, keep-alive, limits and AWS-shaped errors."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer, Limits

TARGET = "Kinesis_20131202."
SMALL_BODY_LIMIT = 4096


class Connection:
    """A raw HTTP/1.1 client connection that reads one response at a time."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.rfile = self.sock.makefile("rb")

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()

    def send(self, raw: bytes) -> None:
        self.sock.sendall(raw)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self.rfile.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.rfile.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0")))
        return status, headers, body

    def closed_by_server(self) -> bool:
        return b"" == self.rfile.read(1)


def request(
    operation: str | None,
    body: bytes,
    *,
    content_type: str = "application/x-amz-json-1.1",
    extra: str = "",
) -> bytes:
    target = f"X-Amz-Target: {TARGET}{operation}\r\n" if operation else ""
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\n{target}Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


@pytest.fixture
def conn(server: EmulatorServer) -> Iterator[Connection]:
    connection = Connection(server.url)
    yield connection
    connection.close()


@pytest.fixture
def small_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Kinesis(), port=0, limits=Limits(max_body=SMALL_BODY_LIMIT)) as running:
        yield running


def error_of(body: bytes) -> str:
    return str(json.loads(body)["__type"])


class TestKeepAlive:
    """Connections stay open between requests unless the client says otherwise."""

    def test_many_requests_on_one_connection(self, conn: Connection) -> None:
        """Three requests, three answers, one connection."""
        for _ in range(3):
            conn.send(request("ListStreams", b"{}"))
            status, _, body = conn.response()
            assert (200, []) == (status, json.loads(body)["StreamNames"])

    def test_pipelined_requests(self, conn: Connection) -> None:
        """Requests sent back to back are answered in order."""
        conn.send(
            request("CreateStream", b'{"StreamName":"p","ShardCount":1}')
            + request("ListStreams", b"{}")
        )
        assert 200 == conn.response()[0]
        assert ["p"] == json.loads(conn.response()[2])["StreamNames"]

    def test_connection_close_is_honoured(self, conn: Connection) -> None:
        """Connection: close gets its answer, then the server closes."""
        conn.send(request("ListStreams", b"{}", extra="Connection: close\r\n"))
        _, headers, _ = conn.response()
        assert "close" == headers["connection"]
        assert conn.closed_by_server()

    def test_http_1_0_closes_by_default(self, conn: Connection) -> None:
        """An HTTP/1.0 request without keep-alive ends its connection."""
        conn.send(b"GET /health HTTP/1.0\r\n\r\n")
        assert 200 == conn.response()[0]
        assert conn.closed_by_server()


class TestBodies:
    """Bodies framed by Content-Length, chunks and 100-continue all arrive whole."""

    def test_chunked_request_body(self, conn: Connection) -> None:
        """A chunked body is reassembled before the wire layer sees it."""
        body = b'{"StreamName":"c","ShardCount":1}'
        conn.send(
            f"POST / HTTP/1.1\r\nX-Amz-Target: {TARGET}CreateStream\r\n"
            "Content-Type: application/x-amz-json-1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            f"{10:x}\r\n".encode()
            + body[:10]
            + f"\r\n{len(body) - 10:x};ext=1\r\n".encode()
            + body[10:]
            + b"\r\n0\r\n\r\n"
        )
        assert 200 == conn.response()[0]
        conn.send(request("ListStreams", b"{}"))
        assert ["c"] == json.loads(conn.response()[2])["StreamNames"]

    def test_expect_100_continue(self, conn: Connection) -> None:
        """A client that waits for 100 Continue gets it, then the real answer."""
        body = b"{}"
        conn.send(
            f"POST / HTTP/1.1\r\nX-Amz-Target: {TARGET}ListStreams\r\nContent-Length: 2\r\n"
            "Content-Type: application/x-amz-json-1.1\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        assert b"HTTP/1.1 100 Continue\r\n" == conn.rfile.readline()
        assert b"\r\n" == conn.rfile.readline()
        conn.send(body)
        assert 200 == conn.response()[0]

    def test_body_over_the_cap_is_refused_unread(self, small_server: EmulatorServer) -> None:
        """A declared length over the cap gets 413 at once, without sending the body."""
        conn = Connection(small_server.url)
        try:
            conn.send(
                f"POST / HTTP/1.1\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
                f"Content-Type: application/x-amz-json-1.1\r\n"
                f"Content-Length: {SMALL_BODY_LIMIT + 1}\r\n\r\n".encode()
            )
            status, _, body = conn.response()
        finally:
            conn.close()
        assert (413, "RequestEntityTooLargeException") == (status, error_of(body))

    def test_chunked_body_over_the_cap_is_refused(self, small_server: EmulatorServer) -> None:
        """Chunks adding up to more than the cap are refused with 413."""
        conn = Connection(small_server.url)
        try:
            conn.send(
                f"POST / HTTP/1.1\r\nX-Amz-Target: {TARGET}ListStreams\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
                f"{SMALL_BODY_LIMIT + 1:x}\r\n".encode()
            )
            status, _, body = conn.response()
        finally:
            conn.close()
        assert (413, "RequestEntityTooLargeException") == (status, error_of(body))

    def test_large_body_under_the_cap(self, conn: Connection) -> None:
        """A 6 MiB PutRecords body arrives whole and is served."""
        conn.send(request("CreateStream", b'{"StreamName":"big","ShardCount":8}'))
        assert 200 == conn.response()[0]
        data = "A" * 16_000  # 12,000 bytes once decoded
        entries = [{"Data": data, "PartitionKey": f"k{n}"} for n in range(400)]
        conn.send(
            request("PutRecords", json.dumps({"StreamName": "big", "Records": entries}).encode())
        )
        status, _, body = conn.response()
        assert (200, 0) == (status, json.loads(body)["FailedRecordCount"])


class TestErrors:
    """Bad requests get AWS-shaped 4xx answers, never a 500, a hang or a reset."""

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (request("ListStreams", b"{not json"), (400, "SerializationException")),
            (request("ListStreams", b"[1, 2]"), (400, "SerializationException")),
            (request("ListStreams", b"\xff\xfe"), (400, "SerializationException")),
            (request("ListStreams", b'{"Limit": "ten"}'), (400, "SerializationException")),
            (request("Nope", b"{}"), (400, "UnknownOperationException")),
            (request(None, b"{}"), (400, "UnknownOperationException")),
            (
                request("PutRecord", b'{"StreamName":"s","PartitionKey":"k","Data":"%%%"}'),
                (400, "SerializationException"),
            ),
            (
                request("ListStreams", b"{}", content_type="application/xml"),
                (400, "SerializationException"),
            ),
            (b"PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", (405, "MethodNotAllowedException")),
            (b"GET /nothing HTTP/1.1\r\n\r\n", (404, "NotFoundException")),
        ],
        ids=[
            "bad-json",
            "json-array",
            "not-utf8",
            "wrong-type",
            "unknown-operation",
            "missing-target",
            "bad-base64",
            "xml-content-type",
            "put-method",
            "unknown-path",
        ],
    )
    def test_answered_and_connection_kept(
        self, conn: Connection, raw: bytes, expected: tuple[int, str]
    ) -> None:
        """The error is AWS-shaped and the connection still serves the next request."""
        conn.send(raw)
        status, headers, body = conn.response()
        assert expected == (status, error_of(body))
        assert "application/x-amz-json-1.1" == headers["content-type"]
        conn.send(request("ListStreams", b"{}"))
        assert 200 == conn.response()[0]

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (b"NONSENSE\r\n\r\n", (400, "BadRequestException")),
            (b"POST / HTTP/1.1\r\nno colon here\r\n\r\n", (400, "BadRequestException")),
            (b"POST / HTTP/1.1\r\nX-Amz-Target: x\r\n\r\n", (411, "MissingContentLength")),
            (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", (400, "SerializationException")),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                (400, "SerializationException"),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                (400, "SerializationException"),
            ),
            (b"GET / HTTP/1.1\r\nX: " + b"a" * 20_000 + b"\r\n\r\n", (431, "BadRequestException")),
        ],
        ids=[
            "request-line",
            "header-line",
            "no-length",
            "bad-length",
            "gzip-coding",
            "bad-chunk",
            "huge-header",
        ],
    )
    def test_unframeable_requests_close(
        self, conn: Connection, raw: bytes, expected: tuple[int, str]
    ) -> None:
        """Framing errors are answered, then the connection closes (the next start is lost)."""
        conn.send(raw)
        status, headers, body = conn.response()
        assert expected == (status, error_of(body))
        assert "close" == headers["connection"]
        assert conn.closed_by_server()

    def test_truncated_body_does_not_break_the_server(self, server: EmulatorServer) -> None:
        """A client that hangs up mid-body leaves the server serving others."""
        broken = Connection(server.url)
        broken.send(request("ListStreams", b"{}")[:-1])
        broken.close()
        healthy = Connection(server.url)
        try:
            healthy.send(request("ListStreams", b"{}"))
            assert 200 == healthy.response()[0]
        finally:
            healthy.close()


class TestRoutes:
    """The viewer lives under /viewer, away from the Kinesis POST endpoint."""

    def test_root_redirects_to_the_viewer(self, conn: Connection) -> None:
        """GET / points browsers at /viewer."""
        conn.send(b"GET / HTTP/1.1\r\n\r\n")
        status, headers, _ = conn.response()
        assert (302, "/viewer") == (status, headers["location"])

    def test_viewer_page_forbids_inline_script(self, conn: Connection) -> None:
        """The page is served with a Content-Security-Policy allowing only its own script."""
        conn.send(b"GET /viewer HTTP/1.1\r\n\r\n")
        status, headers, body = conn.response()
        assert 200 == status
        assert "script-src 'self'" in headers["content-security-policy"]
        assert b"/viewer/viewer.js" in body

    def test_head_sends_no_body(self, conn: Connection) -> None:
        """HEAD answers with headers only, and the connection stays usable."""
        conn.send(b"HEAD /health HTTP/1.1\r\n\r\n")
        status_line = conn.rfile.readline()
        while conn.rfile.readline() not in (b"\r\n", b""):
            pass
        conn.send(b"GET /health HTTP/1.1\r\n\r\n")
        assert b"HTTP/1.1 200 OK\r\n" == status_line
        assert (200, b'{"status":"ok"}') == conn.response()[::2]

    def test_post_to_the_viewer_is_refused(self, conn: Connection) -> None:
        """The viewer never takes Kinesis requests."""
        conn.send(request("ListStreams", b"{}").replace(b"POST / ", b"POST /viewer/api/streams "))
        status, _, body = conn.response()
        assert (405, "MethodNotAllowedException") == (status, error_of(body))
