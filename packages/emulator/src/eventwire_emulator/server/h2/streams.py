"""One request stream's state, and HTTP/2 fields mapped to and from the shared Request/Response."""

from __future__ import annotations

from dataclasses import dataclass, field

from eventwire_emulator.server.messages import Request, Response

#: Fields that only mean something to one HTTP/1.1 hop; malformed in HTTP/2 (section 8.2.2).
CONNECTION_FIELDS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}
)
_REQUEST_PSEUDO = frozenset({":method", ":scheme", ":path", ":authority"})


class MalformedRequest(Exception):
    """Fields that RFC 9113 section 8.1.1 calls malformed: a PROTOCOL_ERROR for the stream."""


@dataclass(eq=False, slots=True)
class Stream:
    """A client-opened stream, from its HEADERS until both sides have ended it.

    Windows and `reset` are guarded by the connection's writer; the rest belongs to
    the connection's reader until a thread starts answering the request.
    """

    id: int
    #: How much DATA we may still send on it (the client's window for it).
    send_window: int
    #: How much DATA the client may still send on it (our window for it).
    recv_window: int
    request: Request | None = None
    body: bytearray = field(default_factory=bytearray)
    content_length: int | None = None
    received: int = 0
    #: The client sent END_STREAM (or reset the stream).
    remote_closed: bool = False
    #: Our answer is sent, or abandoned.
    local_closed: bool = False
    #: RST_STREAM went either way: send nothing more on it.
    reset: bool = False
    #: Answered before its body ended (e.g. 413): its further DATA is dropped.
    refused: bool = False
    #: A thread is answering it.
    answering: bool = False


def request_head(fields: list[tuple[str, str]]) -> Request:
    """Map a request's fields to a `Request` without a body; names stay lower-case.

    ``:authority`` becomes ``host`` when there is none; repeated fields fold into one
    comma-separated value (cookies with ``; ``), as the HTTP/1.1 loop folds them.

    Raises:
        MalformedRequest: a pseudo-header is missing, repeated, unknown or late; a name
            has upper-case letters; or a connection-specific field is present.
    """
    pseudo: dict[str, str] = {}
    headers: dict[str, str] = {}
    for name, value in fields:
        if name.startswith(":"):
            if headers:
                raise MalformedRequest(f"Pseudo-header {name} follows a regular field.")
            if name not in _REQUEST_PSEUDO or name in pseudo:
                raise MalformedRequest(f"Pseudo-header {name} is unknown or repeated.")
            pseudo[name] = value
            continue
        if not name or name != name.lower():
            raise MalformedRequest(f"Field name {name!r} is empty or not lower-case.")
        if name in CONNECTION_FIELDS or (name == "te" and value != "trailers"):
            raise MalformedRequest(f"Connection-specific field {name} is not allowed.")
        if name in headers:
            separator = "; " if name == "cookie" else ", "
            headers[name] = f"{headers[name]}{separator}{value}"
        else:
            headers[name] = value
    missing = {":method", ":scheme", ":path"} - pseudo.keys()
    if missing or not pseudo[":path"]:
        raise MalformedRequest(f"Pseudo-headers {sorted(missing) or [':path']} are missing.")
    if ":authority" in pseudo:
        headers.setdefault("host", pseudo[":authority"])
    return Request(pseudo[":method"], pseudo[":path"], "HTTP/2", headers)


def response_fields(response: Response) -> list[tuple[str, str]]:
    """The response's status and headers as HTTP/2 fields: lower-case, no hop-by-hop ones."""
    fields = [(":status", str(response.status))]
    for name, value in response.headers.items():
        lowered = name.lower()
        if lowered not in CONNECTION_FIELDS:
            fields.append((lowered, value))
    return fields
