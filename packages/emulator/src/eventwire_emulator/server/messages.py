"""Protocol-neutral HTTP messages: Request, Response, the App contract and AWS-shaped errors.

Both connection loops (HTTP/1.1 and HTTP/2) build a `Request`, call the app and
send its `Response`; what they refuse before the app sees it is an `HttpError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class Request:
    """One parsed request; header names are lower-case."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        """The request target without its query string."""
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        """The query string, without the ``?``."""
        return self.target.partition("?")[2]


@dataclass(slots=True)
class Response:
    """A response: a complete body, or an iterator of chunks sent as they come."""

    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes] = b""
    #: Called when a streamed body ends early (client gone, server stopping).
    on_abort: Callable[[], None] | None = field(default=None, repr=False)


App = Callable[[Request], Response]


def error_response(status: int, code: str, message: str) -> Response:
    """Return an AWS JSON-protocol error: ``{"__type": code, "message": message}``."""
    body = json.dumps({"__type": code, "message": message}, separators=(",", ":")).encode()
    return Response(
        status,
        {"Content-Type": "application/x-amz-json-1.1", "Content-Length": str(len(body))},
        body,
    )


class HttpError(Exception):
    """A request refused before it reaches the app, answered with an AWS-shaped error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> Response:
        """The error response that answers it."""
        return error_response(self.status, self.code, self.message)


def body_too_large(max_body: int) -> HttpError:
    """The refusal of a body over `max_body` bytes (413), the same in both protocols."""
    return HttpError(
        413,
        "RequestEntityTooLargeException",
        f"The request body exceeds the emulator's limit of {max_body} bytes.",
    )


def parse_length(text: str, max_body: int) -> int:
    """A Content-Length's value: ASCII digits only, at most `max_body`.

    Raises:
        HttpError: 400 for anything but ASCII digits (``str.isdigit`` also takes
            superscripts and other scripts' digits), 413 for a length over `max_body`.
    """
    if not text or not text.isascii() or not text.isdigit():
        raise HttpError(400, "SerializationException", f"Invalid Content-Length {text[:40]!r}.")
    # A length with more digits than max_body's is over it; never convert a huge one.
    if len(text.lstrip("0")) > len(str(max_body)) or int(text) > max_body:
        raise body_too_large(max_body)
    return int(text)


@contextmanager
def streaming(response: Response) -> Iterator[None]:
    """Around sending a streamed body: call `response.on_abort` unless the block finishes."""
    finished = False
    try:
        yield
        finished = True
    finally:
        if not finished and response.on_abort is not None:
            response.on_abort()
