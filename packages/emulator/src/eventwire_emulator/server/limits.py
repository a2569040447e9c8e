"""The server's bounds on what one client can make it hold or do, in one place."""

from __future__ import annotations

from dataclasses import dataclass

#: Largest request body accepted: a full PutRecords (10 MiB of data, base64) fits.
DEFAULT_MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one connection, request or client may cost the server.

    Every field bounds something a client controls; the defaults admit every valid
    Kinesis call (the largest, a 10 MiB PutRecords, is about 13.4 MiB of JSON).
    """

    #: Largest request body, in bytes (413 beyond).
    max_body: int = DEFAULT_MAX_BODY
    #: Most header fields in one request, repeats included (431 beyond).
    max_headers: int = 100
    #: Most bytes of header names and values in one request (431 beyond).
    max_header_bytes: int = 64 * 1024
    #: Connections served at once; more are answered 503 and closed.
    max_connections: int = 256
    #: Seconds a client has to send a whole request head, from its first byte.
    header_timeout: float = 10.0
    #: Seconds a keep-alive connection may sit idle between requests.
    idle_timeout: float = 300.0
    #: HTTP/2: request body bytes buffered per connection before the app reads them.
    #: Only consumed bodies reopen the client's flow-control window.
    h2_upload_window: int = 2 * DEFAULT_MAX_BODY
    #: HTTP/2: bytes of built responses waiting for the client to read them; past
    #: this no new request of the connection is answered until some drain.
    h2_pending_response_bytes: int = 16 * 1024 * 1024
    #: HTTP/2: requests of one connection being answered (app running) at once.
    h2_requests_in_progress: int = 2
    #: HTTP/2: SETTINGS, PING, RST_STREAM and other control frames a connection may
    #: send in a burst; then `h2_control_rate` a second. Beyond: GOAWAY ENHANCE_YOUR_CALM.
    h2_control_burst: int = 1000
    h2_control_rate: float = 100.0

    def __post_init__(self) -> None:
        if self.max_body < 0 or self.max_connections < 1 or self.max_headers < 1:
            raise ValueError(f"Invalid server limits: {self!r}")
        if self.h2_upload_window < self.max_body:
            raise ValueError("h2_upload_window must admit one whole body (>= max_body).")
