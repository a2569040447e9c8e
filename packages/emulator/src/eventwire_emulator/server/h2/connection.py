"""One h2c connection: read frames, track streams, answer each request on its own thread.

The thread that calls `H2Connection.serve` only reads: it decodes field blocks in
order (HPACK state is per connection), buffers request bodies, answers PING and
SETTINGS, and raises send windows. Each complete request is answered on a thread of
its own, so a long SubscribeToShard stream never blocks other streams; answers
share the socket through `Writer`, which also holds them to the client's windows.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from eventwire_emulator.server.h2 import hpack
from eventwire_emulator.server.h2.frames import (
    DEFAULT_MAX_FRAME_SIZE,
    DEFAULT_WINDOW,
    HEADER_SIZE,
    MAX_WINDOW,
    PREFACE,
    ErrorCode,
    Flag,
    Frame,
    FrameType,
    H2Error,
    Setting,
    StreamError,
    frame,
    header_fragment,
    parse_header,
    parse_settings,
    read_u32,
    rst_stream,
    settings,
    unpad,
    window_update,
)
from eventwire_emulator.server.h2.streams import MalformedRequest, Stream, request_head
from eventwire_emulator.server.h2.writer import Writer
from eventwire_emulator.server.messages import (
    App,
    HttpError,
    Request,
    Response,
    body_too_large,
    error_response,
)

MAX_CONCURRENT_STREAMS = 100
#: Largest field block accepted across HEADERS and CONTINUATION frames.
MAX_FIELD_BLOCK = 256 * 1024
#: Our connection receive window; replenished as data arrives, once half is used.
CONNECTION_WINDOW = 16 * 1024 * 1024
#: After a connection error, how long to drain the client so it can read our GOAWAY.
LINGER_SECONDS = 1.0
#: How long a closing connection waits for its answering threads, in all.
JOIN_SECONDS = 5.0


class _Reader:
    """Exact-length reads from a socket; a read timeout only counts while idle."""

    def __init__(self, sock: socket.socket, busy: threading.Event) -> None:
        self._sock = sock
        self._busy = busy
        self._buffer = bytearray()

    def read(self, size: int) -> bytes | None:
        """Read exactly `size` bytes; None if the client closed first."""
        buffer = self._buffer
        while len(buffer) < size:
            try:
                chunk = self._sock.recv(max(64 * 1024, size - len(buffer)))
            except TimeoutError:
                # A client quietly reading a long stream is not idle.
                if self._busy.is_set():
                    continue
                raise
            if not chunk:
                return None
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data


class H2Connection:
    """Serves one connection whose client sent the HTTP/2 preface; see `serve`."""

    def __init__(self, sock: socket.socket, app: App, max_body: int) -> None:
        self.app = app
        self.max_body = max_body
        self._sock = sock
        self._active = threading.Event()  # set while any stream is open
        self._reader = _Reader(sock, self._active)
        self._writer = Writer(sock)
        self._decoder = hpack.Decoder()
        self._lock = threading.Lock()  # guards _streams, _threads and closing flags
        self._streams: dict[int, Stream] = {}
        self._threads: set[threading.Thread] = set()
        self._reset_by_us: set[int] = set()  # their late frames are ignored, not errors
        self._last_stream_id = 0
        self._settled = False  # the client's first SETTINGS arrived
        self._settings_acked = False  # the client acknowledged ours
        self._going_away = False
        # Every body fits its stream's window, so stream windows are never replenished.
        self._stream_window = min(max_body + 1, MAX_WINDOW)
        self._recv_window = CONNECTION_WINDOW

    # -- the read loop ---------------------------------------------------------------

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
        self._going_away = True
        self._writer.goaway(self._last_stream_id, ErrorCode.NO_ERROR, "Server stopping.", 0.2)

    def _serve(self) -> None:
        if self._reader.read(len(PREFACE)) != PREFACE:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "Invalid HTTP/2 connection preface.")
        self._writer.send(
            settings(
                {
                    Setting.ENABLE_PUSH: 0,
                    Setting.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                    Setting.INITIAL_WINDOW_SIZE: self._stream_window,
                    Setting.MAX_HEADER_LIST_SIZE: self._decoder.max_list_size,
                }
            )
            + window_update(0, CONNECTION_WINDOW - DEFAULT_WINDOW)
        )
        while (item := self._read_frame()) is not None:
            if not self._settled:
                if item.type != FrameType.SETTINGS or item.has(Flag.ACK):
                    raise H2Error(ErrorCode.PROTOCOL_ERROR, "The preface lacks SETTINGS.")
                self._settled = True
            try:
                self._dispatch(item)
            except StreamError as exc:
                self._stream_error(exc)

    def _read_frame(self) -> Frame | None:
        header = self._reader.read(HEADER_SIZE)
        if header is None:
            return None
        length, kind, flags, stream_id = parse_header(header)
        if length > DEFAULT_MAX_FRAME_SIZE:
            # Refused before reading: nothing beyond our SETTINGS_MAX_FRAME_SIZE is buffered.
            raise H2Error(ErrorCode.FRAME_SIZE_ERROR, f"A frame of {length} bytes is too large.")
        payload = self._reader.read(length) if length else b""
        if payload is None:
            return None
        return Frame(kind, flags, stream_id, payload)

    def _dispatch(self, item: Frame) -> None:
        kind = item.type
        if kind == FrameType.DATA:
            self._on_data(item)
        elif kind == FrameType.HEADERS:
            self._on_headers(item)
        elif kind == FrameType.WINDOW_UPDATE:
            self._on_window_update(item)
        elif kind == FrameType.SETTINGS:
            self._on_settings(item)
        elif kind == FrameType.PING:
            self._on_ping(item)
        elif kind == FrameType.RST_STREAM:
            self._on_rst_stream(item)
        elif kind == FrameType.PRIORITY:
            self._on_priority(item)
        elif kind == FrameType.GOAWAY:
            if item.stream_id:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream.")
            # The client opens no more streams and closes when its own are done.
        elif kind == FrameType.PUSH_PROMISE:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "A client cannot push.")
        elif kind == FrameType.CONTINUATION:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without HEADERS.")
        # Unknown frame types are ignored (RFC 9113 section 5.5).

    # -- frames ----------------------------------------------------------------------

    def _on_headers(self, item: Frame) -> None:
        stream_id = item.stream_id
        if not stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0.")
        fragment, dependency = header_fragment(item)
        block = bytearray(fragment)
        ended = item.has(Flag.END_HEADERS)
        while not ended:
            follow = self._read_frame()
            if follow is None:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, "The connection ended in a field block.")
            if follow.type != FrameType.CONTINUATION or follow.stream_id != stream_id:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, "A field block was interrupted.")
            block += follow.payload
            if len(block) > MAX_FIELD_BLOCK:
                raise H2Error(ErrorCode.ENHANCE_YOUR_CALM, "The field block is too large.")
            ended = follow.has(Flag.END_HEADERS)
        too_large = False
        try:
            fields = self._decoder.decode(bytes(block))
        except hpack.HpackError as exc:
            raise H2Error(ErrorCode.COMPRESSION_ERROR, str(exc)) from None
        except hpack.HeaderListTooLarge:
            fields, too_large = [], True
        end_stream = item.has(Flag.END_STREAM)
        stream = self._streams.get(stream_id)
        if stream is not None:
            self._on_trailers(stream, end_stream)
            return
        if stream_id % 2 == 0:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, f"Stream {stream_id} is not client-opened.")
        if stream_id <= self._last_stream_id:
            if stream_id in self._reset_by_us:
                return
            raise H2Error(ErrorCode.STREAM_CLOSED, f"HEADERS on closed stream {stream_id}.")
        self._last_stream_id = stream_id
        if dependency == stream_id:
            raise StreamError(stream_id, ErrorCode.PROTOCOL_ERROR, "A stream depends on itself.")
        if self._going_away or len(self._streams) >= MAX_CONCURRENT_STREAMS:
            raise StreamError(stream_id, ErrorCode.REFUSED_STREAM, "Too many streams.")
        self._open(stream_id, fields, too_large, end_stream)

    def _open(
        self, stream_id: int, fields: list[tuple[str, str]], too_large: bool, end_stream: bool
    ) -> None:
        window = self._stream_window
        if not self._settings_acked:
            # Until the client has our SETTINGS it may assume the default window.
            window = max(window, DEFAULT_WINDOW)
        stream = Stream(stream_id, self._writer.initial_window, window)
        with self._lock:
            self._streams[stream_id] = stream
            self._active.set()
        if too_large:
            message = "The request's header fields are too large."
            self._refuse(stream, HttpError(431, "BadRequestException", message))
        else:
            try:
                stream.request = request_head(fields)
            except MalformedRequest as exc:
                raise StreamError(stream_id, ErrorCode.PROTOCOL_ERROR, str(exc)) from None
            length = stream.request.headers.get("content-length")
            if length is not None:
                if not length.isdigit():
                    raise StreamError(stream_id, ErrorCode.PROTOCOL_ERROR, "Bad content-length.")
                stream.content_length = int(length)
                if stream.content_length > self.max_body:
                    # Refused before any DATA is read: the body is never buffered.
                    self._refuse(stream, body_too_large(self.max_body))
        if end_stream:
            self._end_remote(stream)

    def _on_trailers(self, stream: Stream, end_stream: bool) -> None:
        if stream.remote_closed:
            raise StreamError(stream.id, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM.")
        if not end_stream:
            raise StreamError(stream.id, ErrorCode.PROTOCOL_ERROR, "Trailers must end the stream.")
        self._end_remote(stream)  # trailer fields carry nothing Kinesis uses

    def _on_data(self, item: Frame) -> None:
        stream_id = item.stream_id
        if not stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0.")
        data = unpad(item)
        size = len(item.payload)  # padding counts against flow control too
        self._take_connection_window(size)
        stream = self._streams.get(stream_id)
        if stream is None:
            if stream_id in self._reset_by_us:
                return
            if stream_id > self._last_stream_id or stream_id % 2 == 0:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, f"DATA on idle stream {stream_id}.")
            raise H2Error(ErrorCode.STREAM_CLOSED, f"DATA on closed stream {stream_id}.")
        if stream.remote_closed:
            if stream.reset:
                return
            raise StreamError(stream_id, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM.")
        if size > stream.recv_window:
            # A client that ignores our windows is broken; do not guess what it meant.
            raise H2Error(ErrorCode.FLOW_CONTROL_ERROR, f"Stream {stream_id} overran its window.")
        stream.recv_window -= size
        end_stream = item.has(Flag.END_STREAM)
        if size > len(data) and not end_stream:
            # Padding is not body: give its window back, so only the body is capped.
            self._writer.send(window_update(stream_id, size - len(data)))
            stream.recv_window += size - len(data)
        if not stream.refused:
            stream.received += len(data)
            if stream.received > self.max_body:
                stream.body = bytearray()
                self._refuse(stream, body_too_large(self.max_body))
            else:
                stream.body += data
        if end_stream:
            self._end_remote(stream)

    def _take_connection_window(self, size: int) -> None:
        if size > self._recv_window:
            raise H2Error(ErrorCode.FLOW_CONTROL_ERROR, "The connection window was overrun.")
        self._recv_window -= size
        if self._recv_window <= CONNECTION_WINDOW // 2:
            self._writer.send(window_update(0, CONNECTION_WINDOW - self._recv_window))
            self._recv_window = CONNECTION_WINDOW

    def _on_window_update(self, item: Frame) -> None:
        increment = read_u32(item.payload, "WINDOW_UPDATE") & MAX_WINDOW
        stream_id = item.stream_id
        if not stream_id:
            if not increment:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, "A connection WINDOW_UPDATE of 0.")
            self._writer.grow(None, increment)
            return
        stream = self._streams.get(stream_id)
        if stream is None:
            self._check_not_idle(stream_id, "WINDOW_UPDATE")
            return  # may cross our end of the stream
        if not increment:
            raise StreamError(stream_id, ErrorCode.PROTOCOL_ERROR, "A WINDOW_UPDATE of 0.")
        self._writer.grow(stream, increment)

    def _on_settings(self, item: Frame) -> None:
        if item.stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream.")
        if item.has(Flag.ACK):
            if item.payload:
                raise H2Error(ErrorCode.FRAME_SIZE_ERROR, "A SETTINGS ACK has no payload.")
            self._settings_acked = True
            return
        for key, value in parse_settings(item.payload):
            if key == Setting.INITIAL_WINDOW_SIZE:
                with self._lock:
                    streams = list(self._streams.values())
                self._writer.set_initial_window(value, streams)
            elif key == Setting.MAX_FRAME_SIZE:
                self._writer.set_max_frame_size(value)
            # HEADER_TABLE_SIZE needs nothing: our encoder never adds to the table.
        self._writer.send(frame(FrameType.SETTINGS, Flag.ACK, 0))

    def _on_ping(self, item: Frame) -> None:
        if item.stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "PING on a stream.")
        if len(item.payload) != 8:
            raise H2Error(ErrorCode.FRAME_SIZE_ERROR, "A PING payload is 8 bytes.")
        if not item.has(Flag.ACK):
            self._writer.send(frame(FrameType.PING, Flag.ACK, 0, item.payload))

    def _on_rst_stream(self, item: Frame) -> None:
        stream_id = item.stream_id
        if not stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0.")
        read_u32(item.payload, "RST_STREAM")
        stream = self._streams.get(stream_id)
        if stream is None:
            self._check_not_idle(stream_id, "RST_STREAM")
            return
        self._close(stream, None)

    def _on_priority(self, item: Frame) -> None:
        # Prioritization is deprecated (RFC 9113 section 5.3.2); only check the frame.
        if not item.stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0.")
        if len(item.payload) != 5:
            raise StreamError(item.stream_id, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY is 5 bytes.")
        if int.from_bytes(item.payload[:4], "big") & MAX_WINDOW == item.stream_id:
            raise StreamError(item.stream_id, ErrorCode.PROTOCOL_ERROR, "Depends on itself.")

    def _check_not_idle(self, stream_id: int, name: str) -> None:
        if stream_id > self._last_stream_id or stream_id % 2 == 0:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, f"{name} on idle stream {stream_id}.")

    # -- stream lifecycle ------------------------------------------------------------

    def _refuse(self, stream: Stream, error: HttpError) -> None:
        """Answer now, before the body ends; the rest of the body is dropped."""
        stream.refused = True
        self._start(stream, None, error.response())

    def _end_remote(self, stream: Stream) -> None:
        stream.remote_closed = True
        if stream.refused:
            self._forget(stream)
            return
        request = stream.request
        assert request is not None, "only refused streams lack a request"
        if stream.content_length is not None and stream.content_length != stream.received:
            raise StreamError(stream.id, ErrorCode.PROTOCOL_ERROR, "content-length mismatch.")
        request.body = bytes(stream.body)
        stream.body = bytearray()
        self._start(stream, request, None)

    def _start(self, stream: Stream, request: Request | None, response: Response | None) -> None:
        thread = threading.Thread(
            target=self._answer,
            args=(stream, request, response),
            name=f"emulator-h2-stream-{stream.id}",
            daemon=True,
        )
        with self._lock:
            stream.answering = True
            self._threads.add(thread)
        thread.start()

    def _stream_error(self, exc: StreamError) -> None:
        stream = self._streams.get(exc.stream_id)
        if stream is None:
            self._reset_by_us.add(exc.stream_id)
            self._writer.send(rst_stream(exc.stream_id, exc.code))
        else:
            self._close(stream, exc.code)

    def _close(self, stream: Stream, code: ErrorCode | None) -> None:
        """Reset `stream`: by us with `code`, or by the client when `code` is None."""
        if code is not None:
            self._reset_by_us.add(stream.id)
        self._writer.reset(stream, code)
        stream.remote_closed = True
        self._forget(stream)

    def _forget(self, stream: Stream) -> None:
        with self._lock:
            if not stream.answering:
                stream.local_closed = True
            if stream.remote_closed and stream.local_closed:
                self._streams.pop(stream.id, None)
                if not self._streams:
                    self._active.clear()

    # -- answering (on a stream's own thread) ----------------------------------------

    def _answer(self, stream: Stream, request: Request | None, response: Response | None) -> None:
        try:
            if response is None:
                assert request is not None, "an answer needs a request or a response"
                try:
                    response = self.app(request)
                except Exception:  # a failing app must not end the other streams
                    response = error_response(500, "InternalFailure", "The emulator failed.")
            head_only = request is not None and request.method == "HEAD"
            self._writer.respond(stream, response, head_only)
            if not stream.remote_closed:
                # Answered early (e.g. 413): ask the client to stop sending, without error.
                self._close(stream, ErrorCode.NO_ERROR)
        except Exception:  # e.g. a failing event stream: reset just this stream
            with contextlib.suppress(OSError):
                self._close(stream, ErrorCode.INTERNAL_ERROR)
        finally:
            with self._lock:
                stream.answering = False
                stream.local_closed = True
                self._threads.discard(threading.current_thread())
            self._forget(stream)

    # -- ending ----------------------------------------------------------------------

    def _fail(self, code: ErrorCode, message: str) -> None:
        """Answer a connection error: GOAWAY, then drain briefly so the client reads it."""
        self._writer.close()
        self._writer.goaway(self._last_stream_id, code, message, LINGER_SECONDS)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)
            self._sock.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            while time.monotonic() < deadline and self._sock.recv(64 * 1024):
                pass

    def _finish(self) -> None:
        self._writer.close()
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + JOIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(OSError):
            self._sock.close()
