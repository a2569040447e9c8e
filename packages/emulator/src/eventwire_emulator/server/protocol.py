"""Pick a new connection's protocol from its first bytes: HTTP/2 (h2c) or HTTP/1.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from eventwire_emulator.server.http2 import PREFACE, Http2Connection
from eventwire_emulator.server.http11 import serve_connection
from eventwire_emulator.server.limits import Limits
from eventwire_emulator.server.messages import App
from eventwire_emulator.server.watch import HeadWatch

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
    limits: Limits,
    watch: HeadWatch | None = None,
    on_http2: Callable[[Http2Connection], None] | None = None,
) -> None:
    """Serve one connection in whichever protocol it speaks; never raises.

    `watch` times the first request head from the moment the connection opens;
    `on_http2` sees an HTTP/2 connection before it is served (to send it GOAWAY later).
    """
    if watch is not None:
        watch.arm(limits.header_timeout)
    try:
        http2 = starts_http2(sock)
    except OSError:
        http2 = False  # the HTTP/1.1 loop meets the same error and ends quietly
    if not http2:
        serve_connection(sock, app, limits, watch)
        return
    if watch is not None:
        watch.disarm()  # the HTTP/2 connection times its own opening
    connection = Http2Connection(sock, app, limits)
    if on_http2 is not None:
        on_http2(connection)
    connection.serve()
