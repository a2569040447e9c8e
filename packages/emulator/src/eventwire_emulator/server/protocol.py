"""Pick a new connection's protocol from its first bytes: HTTP/2 (h2c) or HTTP/1.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from eventwire_emulator.server.h2 import PREFACE, H2Connection
from eventwire_emulator.server.http11 import serve_connection
from eventwire_emulator.server.messages import App

#: "PRI " tells the HTTP/2 preface from every HTTP/1.1 request line we serve.
_SIGNATURE = PREFACE[:4]
#: A client that sends its first bytes in pieces gets this long to send four.
_SNIFF_SECONDS = 1.0


def starts_http2(sock: socket.socket) -> bool:
    """Whether the client opened with the HTTP/2 preface; reads nothing from the socket."""
    deadline = time.monotonic() + _SNIFF_SECONDS
    while True:
        head = sock.recv(len(_SIGNATURE), socket.MSG_PEEK)
        if len(head) >= len(_SIGNATURE) or not _SIGNATURE.startswith(head):
            # An empty peek is EOF, which the HTTP/1.1 loop handles quietly.
            return head == _SIGNATURE
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)  # rare: only a first segment shorter than four bytes gets here


def serve(
    sock: socket.socket,
    app: App,
    max_body: int,
    on_http2: Callable[[H2Connection], None] | None = None,
) -> None:
    """Serve one connection in whichever protocol it speaks; never raises.

    `on_http2` sees an HTTP/2 connection before it is served (to send it GOAWAY later).
    """
    try:
        http2 = starts_http2(sock)
    except OSError:
        http2 = False  # the HTTP/1.1 loop meets the same error and ends quietly
    if not http2:
        serve_connection(sock, app, max_body)
        return
    connection = H2Connection(sock, app, max_body)
    if on_http2 is not None:
        on_http2(connection)
    connection.serve()
