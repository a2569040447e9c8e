"""One h2c connection: read frames, dispatch them, and end with GOAWAY on a connection error.

The thread that calls `H2Connection.serve` only reads: it decodes field blocks in
order (HPACK state is per connection), buffers request bodies, answers PING and
SETTINGS, and raises send windows. Each complete request is answered on a thread of
its own, so a long SubscribeToShard stream never blocks other streams; answers
share the socket through `Writer`, which also holds them to the client's windows.
"""

from __future__ import annotations

import contextlib
import socket
import time

from eventwire_emulator.server.h2.assembly import RequestAssembler
from eventwire_emulator.server.h2.control import Control
from eventwire_emulator.server.h2.frames import (
    ErrorCode,
    Flag,
    Frame,
    FrameType,
    H2Error,
    StreamError,
    read_u32,
)
from eventwire_emulator.server.h2.reader import FrameReader
from eventwire_emulator.server.h2.table import StreamTable
from eventwire_emulator.server.h2.writer import Writer
from eventwire_emulator.server.messages import App

#: After a connection error, how long to drain the client so it can read our GOAWAY.
LINGER_SECONDS = 1.0
#: How long a closing connection waits for its answering threads, in all.
JOIN_SECONDS = 5.0


class H2Connection:
    """Serves one connection whose client sent the HTTP/2 preface; see `serve`."""

    def __init__(self, sock: socket.socket, app: App, max_body: int) -> None:
        self.app = app
        self.max_body = max_body
        self._sock = sock
        self._writer = Writer(sock)
        self._table = StreamTable(app, self._writer)
        self._reader = FrameReader(sock, self._table.active)
        self._control = Control(self._writer, self._table, max_body)
        self._requests = RequestAssembler(
            self._reader, self._writer, self._table, self._control, max_body
        )
        self._settled = False  # the client's first SETTINGS arrived

    def serve(self) -> None:
        """Serve until the client leaves, the server stops, or a connection error.

        Never raises: a protocol error is answered with GOAWAY, socket errors end quietly.
        """
        try:
            self._serve()
        except H2Error as exc:
            self._fail(exc.code, str(exc))
        except TimeoutError:
            self.goaway()  # idle for the server's whole timeout
        except (OSError, ValueError):
            pass  # reset, broken pipe, or the server shutting the socket down
        finally:
            self._finish()

    def goaway(self) -> None:
        """Tell the client we are stopping (GOAWAY, NO_ERROR); safe from any thread."""
        self._requests.going_away = True
        last = self._table.last_stream_id
        self._writer.goaway(last, ErrorCode.NO_ERROR, "Server stopping.", 0.2)

    # -- the read loop ---------------------------------------------------------------

    def _serve(self) -> None:
        self._reader.preface()
        self._control.send_settings(self._requests.decoder.max_list_size)
        while (item := self._reader.frame()) is not None:
            if not self._settled:
                if item.type != FrameType.SETTINGS or item.has(Flag.ACK):
                    raise H2Error(ErrorCode.PROTOCOL_ERROR, "The preface lacks SETTINGS.")
                self._settled = True
            try:
                self._dispatch(item)
            except StreamError as exc:
                self._table.stream_error(exc)

    def _dispatch(self, item: Frame) -> None:
        kind = item.type
        if kind == FrameType.DATA:
            self._requests.on_data(item)
        elif kind == FrameType.HEADERS:
            self._requests.on_headers(item)
        elif kind == FrameType.WINDOW_UPDATE:
            self._control.on_window_update(item)
        elif kind == FrameType.SETTINGS:
            self._control.on_settings(item)
        elif kind == FrameType.PING:
            self._control.on_ping(item)
        elif kind == FrameType.RST_STREAM:
            self._on_rst_stream(item)
        elif kind == FrameType.PRIORITY:
            self._control.on_priority(item)
        elif kind == FrameType.GOAWAY:
            if item.stream_id:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream.")
            # The client opens no more streams and closes when its own are done.
        elif kind == FrameType.PUSH_PROMISE:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "A client cannot push.")
        elif kind == FrameType.CONTINUATION:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without HEADERS.")
        # Unknown frame types are ignored (RFC 9113 section 5.5).

    def _on_rst_stream(self, item: Frame) -> None:
        stream_id = item.stream_id
        if not stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0.")
        read_u32(item.payload, "RST_STREAM")
        stream = self._table.get(stream_id)
        if stream is None:
            self._table.check_not_idle(stream_id, "RST_STREAM")
            return
        self._table.close(stream, None)

    # -- ending ----------------------------------------------------------------------

    def _fail(self, code: ErrorCode, message: str) -> None:
        """Answer a connection error: GOAWAY, then drain briefly so the client reads it."""
        self._writer.close()
        self._writer.goaway(self._table.last_stream_id, code, message, LINGER_SECONDS)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)
            self._sock.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline and self._sock.recv(64 * 1024):
                pass

    def _finish(self) -> None:
        self._writer.close()
        self._table.join(JOIN_SECONDS)
        with contextlib.suppress(OSError):
            self._sock.close()
