"""A lean HTTP/1.1 connection loop: parse requests, call an app, write responses.

One thread serves one connection for its whole keep-alive life, so a client that
reuses its connection (every AWS SDK does) costs no thread start per request.
Requests are framed by Content-Length or chunked transfer coding; anything the
loop cannot frame is answered with an AWS-shaped 4xx and the connection closed,
because after a framing error the next request's start is unknown.
"""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import TYPE_CHECKING, BinaryIO, cast

from eventwire_emulator.server.limits import Limits
from eventwire_emulator.server.messages import (
    App,
    HttpError,
    Request,
    Response,
    body_too_large,
    parse_length,
    streaming,
)

if TYPE_CHECKING:
    from eventwire_emulator.server.watch import HeadWatch

#: Longest request line or header line accepted.
MAX_LINE = 16 * 1024
#: How long and how much to drain from a client after refusing its request.
LINGER_SECONDS = 2.0
LINGER_BYTES = 64 * 1024 * 1024

_REASONS = {status.value: status.phrase for status in HTTPStatus}
_HEX = b"0123456789abcdefABCDEF"


def _readline(rfile: BinaryIO) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise HttpError(431, "BadRequestException", f"A header line exceeds {MAX_LINE} bytes.")
    return line


def _read_head(rfile: BinaryIO, limits: Limits) -> Request | None:
    """Read a request line and headers; None when the client closed between requests."""
    line = _readline(rfile)
    # RFC 9112 section 2.2: ignore at least one empty line before a request line.
    while line in (b"\r\n", b"\n"):
        line = _readline(rfile)
    if not line:
        return None
    parts = line.split()
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise HttpError(400, "BadRequestException", f"Malformed request line {line[:80]!r}.")
    method, target, version = (
        parts[0].decode("latin-1"),
        parts[1].decode("latin-1"),
        parts[2].decode("latin-1"),
    )
    buffered = _buffered_fields(rfile, limits)
    fields = buffered if buffered is not None else _within(limits, _read_fields(rfile))
    return Request(method, target, version, _parse_fields(fields))


def _buffered_fields(rfile: BinaryIO, limits: Limits) -> list[str] | None:
    """The header lines, if the whole head is buffered and within limits; else None.

    Clients send a head in one piece, so one slice replaces a readline per line.
    Lines are cut where `readline` would cut them (after each LF) and the head ends
    at the first empty line, CRLF or bare LF, as when reading line by line. Nothing
    is consumed when None is returned: the line reader then reads the same lines
    and refuses the same one a head over the limits.
    """
    buffered = cast(io.BufferedReader, rfile).peek(1)
    end = buffered.find(b"\r\n\r\n")
    # end + 2 is the head's size with every line's CRLF, so no line is over MAX_LINE.
    if end < 0 or end + 2 > min(limits.max_header_bytes, MAX_LINE):
        return None
    lines = buffered[: end + 1].decode("latin-1").split("\n")
    if len(lines) > limits.max_headers or "\r" in lines or "" in lines:
        return None  # too many, or an empty line before the CRLF CRLF ended the head
    rfile.read(end + 4)
    return lines


def _read_fields(rfile: BinaryIO) -> Iterator[str]:
    """The header lines (without their LF), read one at a time."""
    while True:
        line = _readline(rfile)
        if line in (b"\r\n", b"\n"):
            return
        if not line:
            raise HttpError(400, "BadRequestException", "The request headers ended early.")
        yield line.decode("latin-1").removesuffix("\n")


def _within(limits: Limits, lines: Iterator[str]) -> Iterator[str]:
    """`lines`, refused (431) at the first past the header count or bytes in `limits`."""
    size = 0
    for count, line in enumerate(lines, 1):
        size += len(line) + 1
        if count > limits.max_headers or size > limits.max_header_bytes:
            raise HttpError(
                431,
                "BadRequestException",
                f"The request has more than {limits.max_headers} header lines "
                f"or {limits.max_header_bytes} bytes of them.",
            )
        yield line


def _parse_fields(lines: Iterable[str]) -> dict[str, str]:
    """Header lines (without their LF) as a dict of lower-case names."""
    # Repeats fold once at the end: linear in the head.
    headers: dict[str, str] = {}
    repeats: dict[str, list[str]] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or " " in name:
            raw = (line + "\n").encode("latin-1")
            raise HttpError(400, "BadRequestException", f"Malformed header line {raw[:80]!r}.")
        value = value.strip()
        if name in headers:
            repeats.setdefault(name, [headers[name]]).append(value)
        else:
            headers[name] = value
    # Repeated headers fold into one comma-separated value (RFC 9110 section 5.3).
    for name, values in repeats.items():
        headers[name] = ", ".join(values)
    return headers


def _read_chunked(rfile: BinaryIO, max_body: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = _readline(rfile).split(b";", 1)[0].strip()
        # ASCII hex digits only: int() would also take signs, underscores and spaces.
        if not size_line or len(size_line) > 16 or size_line.strip(_HEX):
            raise HttpError(
                400, "SerializationException", f"Malformed chunk size {size_line[:20]!r}."
            )
        size = int(size_line, 16)
        if size == 0:
            # Skip trailer fields up to the final empty line.
            while _readline(rfile) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        total += size
        if total > max_body:
            raise body_too_large(max_body)
        chunk = rfile.read(size)
        if len(chunk) != size or _readline(rfile) not in (b"\r\n", b"\n"):
            raise HttpError(400, "SerializationException", "The chunked body ended early.")
        parts.append(chunk)


def _read_body(request: Request, rfile: BinaryIO, wfile: socket.socket, max_body: int) -> bytes:
    headers = request.headers
    encoding = headers.get("transfer-encoding")
    length_text = headers.get("content-length")
    if encoding is not None:
        if encoding.lower() != "chunked" or length_text is not None:
            raise HttpError(
                400, "SerializationException", f"Unsupported Transfer-Encoding {encoding!r}."
            )
        _continue(headers, wfile)
        return _read_chunked(rfile, max_body)
    if length_text is None:
        if request.method in ("POST", "PUT", "PATCH"):
            raise HttpError(411, "MissingContentLength", "A request body needs Content-Length.")
        return b""
    # Refused before reading when over the cap: the body is never buffered.
    length = parse_length(length_text, max_body)
    if length == 0:
        return b""
    _continue(headers, wfile)
    body = rfile.read(length)
    if len(body) != length:
        raise HttpError(400, "SerializationException", "The request body ended early.")
    return body


def _continue(headers: dict[str, str], sock: socket.socket) -> None:
    if headers.get("expect", "").lower() == "100-continue":
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")


def _head(status: int, headers: dict[str, str], close: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n"]
    lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
    if close:
        lines.append("Connection: close\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


def closing_response(response: Response) -> bytes:
    """A whole response with ``Connection: close``, for refusals sent outside the loop."""
    body = response.body
    assert isinstance(body, bytes), "a refusal is a whole response"
    return _head(response.status, response.headers, True) + body


def _send(sock: socket.socket, response: Response, close: bool, head_only: bool) -> None:
    body = response.body
    if isinstance(body, bytes):
        head = _head(response.status, response.headers, close)
        sock.sendall(head if head_only else head + body)
        return
    headers = dict(response.headers)
    headers["Transfer-Encoding"] = "chunked"
    sock.sendall(_head(response.status, headers, close))
    with streaming(response):
        for chunk in body:
            if chunk:
                sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")


def _linger(sock: socket.socket) -> None:
    """Discard what the client is still sending, briefly, so it can read our answer.

    Closing a socket with unread input makes the kernel send a reset, which can
    destroy the error response before the client reads it (e.g. a refused large body).
    """
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(LINGER_SECONDS)
    budget = LINGER_BYTES
    while budget > 0 and (chunk := sock.recv(64 * 1024)):
        budget -= len(chunk)


def _keep_alive(request: Request) -> bool:
    connection = request.headers.get("connection", "").lower()
    if request.version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def serve_connection(
    sock: socket.socket, app: App, limits: Limits, watch: HeadWatch | None = None
) -> None:
    """Serve requests on one connection until the client closes it or framing fails.

    `watch`, when given, holds each request head to `limits.header_timeout` from its
    first byte. Never raises: socket errors end the connection quietly, since the
    client is gone.
    """
    rfile = cast(BinaryIO, sock.makefile("rb", buffering=64 * 1024))
    peek = cast(io.BufferedReader, rfile).peek
    max_body = limits.max_body
    try:
        while True:
            try:
                if watch is not None:
                    peek(1)  # idle until the next request starts; its head is timed
                    watch.arm(limits.header_timeout)
                request = _read_head(rfile, limits)
                if watch is not None:
                    watch.disarm()
                if request is None:
                    return
                request.body = _read_body(request, rfile, sock, max_body)
            except HttpError as exc:
                _send(sock, exc.response(), True, False)
                _linger(sock)
                return
            response = app(request)
            keep = _keep_alive(request)
            _send(sock, response, not keep, request.method == "HEAD")
            if not keep:
                return
    except (OSError, ValueError):
        # OSError: reset, broken pipe, timeout or the server shutting the socket down;
        # ValueError: the buffered reader was closed under us during shutdown.
        return
    finally:
        rfile.close()
        with contextlib.suppress(OSError):
            sock.close()
