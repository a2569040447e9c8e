"""Request heads read whole from the buffer parse exactly as heads read line by line.

The HTTP/1.1 loop slices a head that arrived in one piece and reads one that came
in pieces a line at a time (RFC 9112 section 5: fields end at the first empty
line; a bare LF ends a line too). Both ways must give the same request or the same
refusal, and leave the stream at the same place.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventwire_emulator.server.http11 import MAX_LINE, _read_head
from eventwire_emulator.server.limits import Limits
from eventwire_emulator.server.messages import HttpError

LIMITS = Limits(max_headers=6, max_header_bytes=120)


class _OneByteAtATime(io.RawIOBase):
    """A raw stream that hands out one byte per read, as a slow client would send."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # RawIOBase's stub takes a WriteableBuffer
        if self.position >= len(self.data) or len(buffer) == 0:
            return 0
        buffer[0] = self.data[self.position]
        self.position += 1
        return 1


def _outcome(rfile: BinaryIO, limits: Limits) -> object:
    """What reading one head gives: the request's parts or the refusal, and what is left."""
    try:
        request = _read_head(rfile, limits)
    except HttpError as exc:
        return ("refused", exc.status, exc.code, exc.message)
    if request is None:
        return None
    parts = (request.method, request.target, request.version, request.headers)
    return (parts, rfile.read())


def _both(data: bytes, limits: Limits = LIMITS) -> tuple[object, object]:
    whole = io.BufferedReader(io.BytesIO(data), 64 * 1024)
    pieces = io.BufferedReader(_OneByteAtATime(data), 64 * 1024)
    return _outcome(whole, limits), _outcome(pieces, limits)


_TOKENS = ["Host", "x-Amz-Date", "a", "b1", ":", ": ", " ", "\t", "\r", "\n", "\r\n", "\xe9", "="]


class TestWholeHeadsAsLines:
    """A buffered head gives what reading it line by line gives."""

    @settings(max_examples=400, deadline=None)
    @given(
        lead=st.sampled_from(["", "\r\n", "\n"]),
        head=st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join),
        end=st.sampled_from(["\r\n\r\n", "\n\n", "\n\r\n", "\r\n", ""]),
    )
    def test_same_request_or_refusal(self, lead: str, head: str, end: str) -> None:
        data = f"{lead}POST /?a=1 HTTP/1.1\r\n{head}{end}BODY".encode("latin-1")
        whole, pieces = _both(data)
        assert pieces == whole

    def test_a_typical_head(self) -> None:
        data = b"POST / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n{}"
        whole, pieces = _both(data)
        assert (("POST", "/", "HTTP/1.1", {"host": "h", "x-a": "1, 2"}), b"{}") == whole
        assert whole == pieces

    def test_no_header_lines(self) -> None:
        whole, pieces = _both(b"GET / HTTP/1.1\r\n\r\nrest")
        assert ((("GET", "/", "HTTP/1.1", {}), b"rest")) == whole == pieces

    def test_a_line_over_the_limit(self) -> None:
        value = b"a" * (MAX_LINE - 4)  # "X: " + value + "\r\n" is one byte over MAX_LINE
        data = b"POST / HTTP/1.1\r\nX: " + value + b"\r\n\r\n"
        whole, pieces = _both(data, Limits())
        assert ("refused", 431, "BadRequestException") == whole[:3] == pieces[:3]  # type: ignore[index]  # a refusal is a tuple

    def test_a_line_just_within_the_limit(self) -> None:
        value = b"a" * (MAX_LINE - 5)  # "X: " + value + "\r\n" is MAX_LINE bytes
        whole, pieces = _both(b"POST / HTTP/1.1\r\nX: " + value + b"\r\n\r\n", Limits())
        assert ("POST", "/", "HTTP/1.1", {"x": value.decode()}) == whole[0] == pieces[0]  # type: ignore[index]  # a request is a tuple

    def test_header_bytes_up_to_the_limit(self) -> None:
        lines = b"X: 12345678\r\n" * 4  # line ends count towards the limit
        for limit, expected in ((len(lines), 200), (len(lines) - 1, 431)):
            whole, pieces = _both(
                b"POST / HTTP/1.1\r\n" + lines + b"\r\n", Limits(max_header_bytes=limit)
            )
            assert whole == pieces
            assert expected == (431 if whole[0] == "refused" else 200)  # type: ignore[index]  # either outcome is a tuple

    def test_header_count_up_to_the_limit(self) -> None:
        for count, expected in ((3, 200), (4, 431)):
            lines = b"".join(b"X-%d: 1\r\n" % n for n in range(count))
            whole, pieces = _both(b"POST / HTTP/1.1\r\n" + lines + b"\r\n", Limits(max_headers=3))
            assert whole == pieces
            assert expected == (431 if whole[0] == "refused" else 200)  # type: ignore[index]  # either outcome is a tuple

    @pytest.mark.parametrize(
        "head",
        [b"A: b\n\nC: d\r\n\r\n", b"A: b\r\n\nC: d\r\n\r\n", b"A: b\n\r\nC: d\r\n\r\n"],
        ids=["bare-lf", "crlf-then-lf", "lf-then-crlf"],
    )
    def test_the_first_empty_line_ends_the_head(self, head: bytes) -> None:
        whole, pieces = _both(b"POST / HTTP/1.1\r\n" + head)
        assert (("POST", "/", "HTTP/1.1", {"a": "b"}), head[head.index(b"C") :]) == whole == pieces
