"""h2c (HTTP/2 with prior knowledge) on a socket, with python-hyper's h2 doing the protocol.

This module is only the adapter between a socket, h2's state machine and the app.
The connection's own thread reads: it feeds bytes to h2, buffers request bodies and
queues complete requests. Requests are answered on threads of their own (a
SubscribeToShard stream lasts minutes), at most `Limits.h2_requests_in_progress`
in the app at once, and none while the connection's built but unsent responses
exceed `Limits.h2_pending_response_bytes`. Request bodies are acknowledged to the
client's flow control only when the app takes them, so a connection buffers at
most `Limits.h2_upload_window` bytes of upload. h2 is not thread-safe: one
condition guards it, and one send lock keeps its output in order on the socket.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from h2 import events as h2events
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from h2.exceptions import H2Error, ProtocolError
from h2.settings import SettingCodes, Settings

from eventwire_emulator.server.flood import FloodGuard
from eventwire_emulator.server.http2_fields import (
    MalformedRequest,
    header_list_size,
    request_head,
    response_fields,
)
from eventwire_emulator.server.http2_goaway import GoawayFilter
from eventwire_emulator.server.limits import Limits
from eventwire_emulator.server.messages import (
    App,
    HttpError,
    Request,
    Response,
    body_too_large,
    error_response,
    parse_length,
    streaming,
)

#: What a client sends first on an h2c prior-knowledge connection (RFC 9113 section 3.4).
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_CONCURRENT_STREAMS = 100
_DEFAULT_WINDOW = 65_535
_MAX_WINDOW = 2**31 - 1
_SETTINGS_TYPE = 0x4
#: After a connection error, how long to drain the client so it can read our GOAWAY.
LINGER_SECONDS = 1.0
#: How long a closing connection waits for its answering threads, in all.
JOIN_SECONDS = 5.0


class _Calm(Exception):
    """The client floods us: answered with GOAWAY ENHANCE_YOUR_CALM."""


class _StreamGone(Exception):
    """The stream was reset or the connection ended: stop answering."""


@dataclass(eq=False, slots=True)
class _Stream:
    """A client-opened stream, from its HEADERS until it is answered and ended."""

    id: int
    request: Request | None = None
    body: bytearray = field(default_factory=bytearray)
    content_length: int | None = None
    received: int = 0
    #: Flow-controlled bytes buffered and not yet given back to the client.
    unacked: int = 0
    #: Built response bytes not yet handed to the socket.
    pending: int = 0
    remote_closed: bool = False
    #: Answered before its body ended (e.g. 413): its further DATA is dropped.
    refused: bool = False
    reset: bool = False
    answering: bool = False
    answered: bool = False


class Http2Connection:
    """Serves one connection whose client sent the HTTP/2 preface; see `serve`."""

    def __init__(self, sock: socket.socket, app: App, limits: Limits) -> None:
        self._sock = sock
        self._app = app
        self._limits = limits
        config = H2Configuration(
            client_side=False,
            header_encoding=None,
            # Fields are checked in `request_head`, so that a malformed request resets
            # its own stream (RFC 9113 section 8.1.1) rather than the connection.
            validate_inbound_headers=False,
        )
        self._conn = H2Connection(config)
        # Not advertised as SETTINGS_MAX_HEADER_LIST_SIZE (h2 would end the connection
        # past it): decoding stops here, and `_on_request` answers 431 within it.
        self._conn.decoder.max_header_list_size = 4 * limits.max_header_bytes
        self._conn.local_settings = Settings(
            client=False,
            initial_values={
                SettingCodes.ENABLE_PUSH: 0,
                SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                # A whole body fits a stream's window: stream windows never need reopening.
                SettingCodes.INITIAL_WINDOW_SIZE: min(limits.max_body + 1, _MAX_WINDOW),
            },
        )
        self._cond = threading.Condition()  # guards h2 and everything below
        self._send_lock = threading.Lock()  # held for one sendall: output stays in order
        self._streams: dict[int, _Stream] = {}
        self._ready: deque[_Stream] = deque()
        self._threads: set[threading.Thread] = set()
        self._in_app = 0
        self._pending = 0
        self._closed = False
        self._going_away = False
        self._flood = FloodGuard(limits.h2_control_burst, limits.h2_control_rate)
        self._goaway = GoawayFilter()

    # -- serving ---------------------------------------------------------------------

    def serve(self) -> None:
        """Serve until the client leaves, the server stops, or a connection error.

        Never raises: a protocol error or a flood is answered with GOAWAY, socket
        errors end quietly.
        """
        try:
            self._serve()
        except ProtocolError:
            self._fail(None)  # h2 has queued GOAWAY with the error's code
        except _Calm:
            self._fail(ErrorCodes.ENHANCE_YOUR_CALM)
        except TimeoutError:
            self.goaway()  # idle for the server's whole timeout
        except (OSError, ValueError):
            pass  # reset, broken pipe, or the server shutting the socket down
        finally:
            self._finish()

    def goaway(self) -> None:
        """Tell the client we are stopping (GOAWAY, NO_ERROR); safe from any thread."""
        with self._cond:
            self._going_away = True
            with contextlib.suppress(H2Error):
                self._conn.close_connection(ErrorCodes.NO_ERROR, b"Server stopping.")
        with contextlib.suppress(OSError, ValueError):
            self._flush(wait=0.2)  # the socket may be closed already

    def _serve(self) -> None:
        with self._cond:
            self._conn.initiate_connection()
            # The connection window starts at 65,535 and can only grow.
            if self._limits.h2_upload_window > _DEFAULT_WINDOW:
                self._conn.increment_flow_control_window(
                    self._limits.h2_upload_window - _DEFAULT_WINDOW
                )
        self._flush()
        opening = self._opening()
        self._receive(opening[: len(PREFACE)] + self._goaway.feed(opening[len(PREFACE) :]))
        while data := self._recv():
            self._receive(self._goaway.feed(data))

    def _opening(self) -> bytes:
        """The preface and the first frame's header, which must be SETTINGS (section 3.4).

        Read within `Limits.header_timeout`.
        """
        data = b""
        deadline = time.monotonic() + self._limits.header_timeout
        while len(data) < len(PREFACE) + 9:
            if len(data) >= len(PREFACE) and not data.startswith(PREFACE):
                self._refuse_opening("Invalid HTTP/2 connection preface.")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self._sock.settimeout(left)
            chunk = self._sock.recv(64 * 1024)
            if not chunk:
                return data  # the client left; h2 sees what it sent
            data += chunk
        self._sock.settimeout(self._limits.idle_timeout)
        if not data.startswith(PREFACE):
            self._refuse_opening("Invalid HTTP/2 connection preface.")
        kind, flags = data[len(PREFACE) + 3], data[len(PREFACE) + 4]
        if kind != _SETTINGS_TYPE or flags & 0x1:
            self._refuse_opening("The preface lacks SETTINGS.")
        return data

    def _refuse_opening(self, message: str) -> None:
        """Queue GOAWAY (h2 would refuse a wrong preface without one) and end.

        Raises:
            ProtocolError: always.
        """
        with self._cond:
            self._conn.close_connection(ErrorCodes.PROTOCOL_ERROR, message.encode())
        raise ProtocolError(message)

    def _recv(self) -> bytes:
        while True:
            try:
                return self._sock.recv(64 * 1024)
            except TimeoutError:
                # A client quietly reading a long answer is not idle; one that opened
                # streams and sends nothing more is.
                with self._cond:
                    if any(stream.answering for stream in self._streams.values()):
                        continue
                raise

    def _receive(self, data: bytes) -> None:
        with self._cond:
            for event in self._conn.receive_data(data):
                self._on_event(event)
            self._pump()
        self._flush()

    # -- events from h2 (the reading thread, under the condition) ---------------------

    def _on_event(self, event: h2events.Event) -> None:
        if isinstance(event, h2events.RequestReceived):
            self._on_request(event.stream_id, event.headers or [])
        elif isinstance(event, h2events.DataReceived):
            self._on_data(event)
        elif isinstance(event, h2events.StreamEnded):
            self._on_end(event.stream_id)
        elif isinstance(event, h2events.StreamReset):
            self._on_reset(event.stream_id)
        elif isinstance(event, h2events.WindowUpdated):
            self._cond.notify_all()
        elif isinstance(event, h2events.RemoteSettingsChanged):
            self._calm()
            self._cond.notify_all()  # the initial window may have grown
        elif isinstance(
            event,
            h2events.PingReceived
            | h2events.PriorityUpdated
            | h2events.UnknownFrameReceived
            | h2events.InformationalResponseReceived,
        ):
            self._calm()
        # ConnectionTerminated: the client opens no more streams and closes when done;
        # trailers carry nothing Kinesis uses; StreamEnded follows them.

    def _calm(self) -> None:
        if not self._flood.allow():
            raise _Calm

    def _on_request(self, stream_id: int, fields: list[tuple[bytes, bytes]]) -> None:
        stream = _Stream(stream_id)
        self._streams[stream_id] = stream
        limits = self._limits
        if self._going_away:
            self._reset(stream, ErrorCodes.REFUSED_STREAM)
            return
        if len(fields) > limits.max_headers or header_list_size(fields) > limits.max_header_bytes:
            message = (
                f"The request's header fields exceed {limits.max_headers} fields "
                f"or {limits.max_header_bytes} bytes."
            )
            self._refuse(stream, HttpError(431, "BadRequestException", message))
            return
        try:
            stream.request = request_head(fields)
        except MalformedRequest:
            self._reset(stream, ErrorCodes.PROTOCOL_ERROR)
            return
        length = stream.request.headers.get("content-length")
        if length is not None:
            try:
                stream.content_length = parse_length(length, limits.max_body)
            except HttpError as exc:
                self._refuse(stream, exc)

    def _on_data(self, event: h2events.DataReceived) -> None:
        size = event.flow_controlled_length or 0
        data = event.data or b""
        stream = self._streams.get(event.stream_id or 0)
        if stream is None or stream.refused or stream.reset:
            self._acknowledge(event.stream_id or 0, size)  # dropped: give the window back
            return
        if not data and not event.stream_ended:
            self._calm()  # empty DATA frames do nothing but cost us work
        stream.unacked += size
        stream.received += len(data)
        if stream.received > self._limits.max_body:
            stream.body = bytearray()
            self._refuse(stream, body_too_large(self._limits.max_body))
        else:
            stream.body += data

    def _on_end(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        stream.remote_closed = True
        if stream.refused:
            self._forget(stream)
            return
        if stream.content_length is not None and stream.content_length != stream.received:
            self._reset(stream, ErrorCodes.PROTOCOL_ERROR)  # malformed: section 8.1.1
            return
        self._ready.append(stream)

    def _on_reset(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        # Resetting streams the server has started on is the "rapid reset" attack.
        self._calm()
        stream.reset = stream.remote_closed = True
        self._release(stream)
        with contextlib.suppress(ValueError):
            self._ready.remove(stream)  # never run a request its client gave up on
        self._forget(stream)
        self._cond.notify_all()

    # -- streams (under the condition) -------------------------------------------------

    def _acknowledge(self, stream_id: int, size: int) -> None:
        if size > 0:
            self._conn.acknowledge_received_data(size, stream_id)

    def _release(self, stream: _Stream) -> None:
        """Give a stream's buffered upload back to the client's flow-control window."""
        self._acknowledge(stream.id, stream.unacked)
        stream.unacked = 0
        stream.body = bytearray()

    def _reset(self, stream: _Stream, code: ErrorCodes) -> None:
        stream.reset = stream.remote_closed = True
        self._release(stream)
        with contextlib.suppress(H2Error):
            self._conn.reset_stream(stream.id, code)
        self._forget(stream)
        self._cond.notify_all()

    def _refuse(self, stream: _Stream, error: HttpError) -> None:
        """Answer now, before the body ends; the rest of the body is dropped."""
        stream.refused = True
        self._release(stream)
        self._start(stream, None, error.response())

    def _forget(self, stream: _Stream) -> None:
        if stream.remote_closed and not stream.answering:
            self._streams.pop(stream.id, None)

    def _pump(self) -> None:
        """Start answering queued requests while the connection's bounds allow."""
        limits = self._limits
        while (
            self._ready
            and self._in_app < limits.h2_requests_in_progress
            and self._pending < limits.h2_pending_response_bytes
        ):
            stream = self._ready.popleft()
            request = stream.request
            assert request is not None, "only refused streams lack a request"
            request.body = bytes(stream.body)
            self._release(stream)  # consumed: now the client may send more
            self._in_app += 1
            self._start(stream, request, None)

    def _start(self, stream: _Stream, request: Request | None, response: Response | None) -> None:
        thread = threading.Thread(
            target=self._answer,
            args=(stream, request, response),
            name=f"emulator-h2-stream-{stream.id}",
            daemon=True,
        )
        stream.answering = True
        self._threads.add(thread)
        thread.start()

    # -- answering (a thread per stream) -----------------------------------------------

    def _answer(self, stream: _Stream, request: Request | None, response: Response | None) -> None:
        try:
            if response is None:
                assert request is not None, "an answer needs a request or a response"
                try:
                    response = self._app(request)
                except Exception:  # a failing app must not end the other streams
                    response = error_response(500, "InternalFailure", "The emulator failed.")
                finally:
                    with self._cond:
                        self._in_app -= 1
                        if response is not None and isinstance(response.body, bytes):
                            # Counted before the next request starts, so the bound holds.
                            stream.pending = len(response.body)
                            self._pending += stream.pending
                        self._pump()
            head_only = request is not None and request.method == "HEAD"
            self._respond(stream, response, head_only)
            with self._cond:
                if not stream.remote_closed:
                    # Answered early (e.g. 413): ask the client to stop sending, without error.
                    self._reset(stream, ErrorCodes.NO_ERROR)
        except _StreamGone:
            pass
        except Exception:  # e.g. a failing event stream: reset just this stream
            with self._cond:
                self._reset(stream, ErrorCodes.INTERNAL_ERROR)
        finally:
            with self._cond:
                self._pending -= stream.pending
                stream.pending = 0
                stream.answering = False
                stream.answered = True
                stream.remote_closed = stream.remote_closed or stream.reset
                self._forget(stream)
                self._threads.discard(threading.current_thread())
                self._pump()
            with contextlib.suppress(OSError, ValueError):
                self._flush()

    def _respond(self, stream: _Stream, response: Response, head_only: bool) -> None:
        fields = response_fields(response)
        body = response.body
        if isinstance(body, bytes):
            bare = head_only or not body
            with self._cond:
                self._check(stream)
                self._conn.send_headers(stream.id, fields, end_stream=bare)
            self._flush()
            if not bare:
                self._send_data(stream, body, True)
            return
        with streaming(response):
            with self._cond:
                self._check(stream)
                self._conn.send_headers(stream.id, fields, end_stream=False)
            self._flush()
            for chunk in body:
                if chunk:
                    self._send_data(stream, chunk, False)
            self._send_data(stream, b"", True)

    def _check(self, stream: _Stream) -> None:
        if self._closed or stream.reset:
            raise _StreamGone

    def _send_data(self, stream: _Stream, data: bytes, end: bool) -> None:
        """Send `data` as DATA frames within the client's windows and frame size."""
        offset = 0
        while True:
            with self._cond:
                size = self._window(stream, len(data) - offset)
                piece = data[offset : offset + size]
                offset += size
                last = end and offset == len(data)
                try:
                    if piece or last:
                        self._conn.send_data(stream.id, piece, end_stream=last)
                except H2Error:
                    raise _StreamGone from None
                if stream.pending:
                    stream.pending -= size
                    self._pending -= size
                    self._pump()
            self._flush()
            if offset == len(data):
                return

    def _window(self, stream: _Stream, wanted: int) -> int:
        """Wait until `stream` may send; how much of `wanted` it may send now."""
        while True:
            self._check(stream)
            if not wanted:
                return 0
            try:
                window = self._conn.local_flow_control_window(stream.id)
            except H2Error:
                raise _StreamGone from None
            if window > 0:
                return min(window, wanted, self._conn.max_outbound_frame_size)
            self._cond.wait()

    # -- the socket ------------------------------------------------------------------

    def _flush(self, wait: float | None = None) -> None:
        """Send what h2 has queued; with `wait`, give up after that long instead of blocking."""
        if wait is None:
            self._send_lock.acquire()
        elif not self._send_lock.acquire(timeout=wait):
            return  # an answer is stuck on a client that does not read
        try:
            with self._cond:
                data = self._conn.data_to_send()
            if not data:
                return
            if wait is not None:
                _, writable, _ = select.select([], [self._sock], [], wait)
                if not writable:
                    return
            self._sock.sendall(data)
        finally:
            self._send_lock.release()

    def _fail(self, code: ErrorCodes | None) -> None:
        """Answer a connection error: GOAWAY, then drain briefly so the client reads it."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            if code is not None:
                with contextlib.suppress(H2Error):
                    self._conn.close_connection(code, b"Too many control frames.")
        with contextlib.suppress(OSError, ValueError):
            self._flush(wait=LINGER_SECONDS)
            self._sock.shutdown(socket.SHUT_WR)
            self._sock.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline and self._sock.recv(64 * 1024):
                pass

    def _finish(self) -> None:
        with self._cond:
            self._closed = True
            self._ready.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        deadline = time.monotonic() + JOIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(OSError):
            self._sock.close()
