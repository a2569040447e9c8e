"""HTTP/2 header fields mapped to and from the shared Request and Response (RFC 9113 8.1-8.3)."""

from __future__ import annotations

from collections.abc import Iterable

from eventwire_emulator.server.messages import Request, Response

#: Fields that only mean something to one HTTP/1.1 hop; malformed in HTTP/2 (section 8.2.2).
CONNECTION_FIELDS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}
)
_REQUEST_PSEUDO = frozenset({":method", ":scheme", ":path", ":authority"})
#: RFC 7541 section 4.1: each field costs its name, its value and 32 bytes.
FIELD_OVERHEAD = 32


class MalformedRequest(Exception):
    """Fields that RFC 9113 section 8.1.1 calls malformed: a PROTOCOL_ERROR for the stream."""


def header_list_size(fields: Iterable[tuple[bytes, bytes]]) -> int:
    """The size of a field list as SETTINGS_MAX_HEADER_LIST_SIZE counts it."""
    return sum(len(name) + len(value) + FIELD_OVERHEAD for name, value in fields)


def request_head(fields: Iterable[tuple[bytes, bytes]]) -> Request:
    """Map a request's fields to a `Request` without a body; names stay lower-case.

    h2 hands fields over as bytes and, on our configuration, unchecked: this is
    where a request is found malformed, so that it resets its stream only. Values
    decode as Latin-1, as the HTTP/1.1 loop decodes them. ``:authority`` becomes
    ``host`` when there is none; repeated fields fold into one comma-separated value
    (cookies with ``; ``), in linear time.

    Raises:
        MalformedRequest: a pseudo-header is missing, repeated, unknown or late; a name
            is empty or has upper-case letters; or a connection-specific field is present.
    """
    pseudo: dict[str, str] = {}
    folded: dict[str, list[str]] = {}
    for raw_name, raw_value in fields:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        if name.startswith(":"):
            if folded:
                raise MalformedRequest(f"Pseudo-header {name} follows a regular field.")
            if name not in _REQUEST_PSEUDO or name in pseudo:
                raise MalformedRequest(f"Pseudo-header {name} is unknown or repeated.")
            pseudo[name] = value
            continue
        if not name or name != name.lower() or any(ch in name for ch in " :\r\n\x00"):
            raise MalformedRequest(f"Field name {name!r} is empty, not lower-case or invalid.")
        if any(ch in value for ch in "\r\n\x00"):
            raise MalformedRequest(f"Field {name} has a forbidden character in its value.")
        if name in CONNECTION_FIELDS or (name == "te" and value != "trailers"):
            raise MalformedRequest(f"Connection-specific field {name} is not allowed.")
        folded.setdefault(name, []).append(value.strip(" \t"))
    missing = {":method", ":scheme", ":path"} - pseudo.keys()
    if missing or not pseudo[":path"]:
        raise MalformedRequest(f"Pseudo-headers {sorted(missing) or [':path']} are missing.")
    headers = {
        name: ("; " if name == "cookie" else ", ").join(values) for name, values in folded.items()
    }
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
