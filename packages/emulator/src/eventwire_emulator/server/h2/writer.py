"""Outgoing frames: one writer at a time on the socket, DATA within the client's windows."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterable

from eventwire_emulator.server.h2 import hpack
from eventwire_emulator.server.h2.frames import (
    DEFAULT_MAX_FRAME_SIZE,
    DEFAULT_WINDOW,
    MAX_WINDOW,
    ErrorCode,
    Flag,
    FrameType,
    H2Error,
    StreamError,
    frame,
    goaway,
    rst_stream,
)
from eventwire_emulator.server.h2.streams import Stream, response_fields
from eventwire_emulator.server.messages import Response, streaming


class StreamGone(Exception):
    """The stream was reset or the connection ended: stop answering."""


class Writer:
    """Serializes frames onto one socket; thread-safe.

    A stream's answer waits here for flow-control window; the connection's reader
    raises the windows (WINDOW_UPDATE, SETTINGS) and so never waits here itself.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()  # held for one sendall: frames never interleave
        self._flow = threading.Condition()  # guards windows, settings, resets, `closed`
        self.window = DEFAULT_WINDOW  # the connection's send window
        self.initial_window = DEFAULT_WINDOW  # the client's SETTINGS_INITIAL_WINDOW_SIZE
        self.max_frame_size = DEFAULT_MAX_FRAME_SIZE  # the client's SETTINGS_MAX_FRAME_SIZE
        self.closed = False

    def send(self, data: bytes) -> None:
        """Send control frames (not for a stream's answer)."""
        with self._lock:
            self._sock.sendall(data)

    def send_for(self, stream: Stream, frames: Iterable[bytes]) -> None:
        """Send frames of `stream`'s answer unless it was reset meanwhile.

        Raises:
            StreamGone: the stream was reset, the connection closed, or the socket failed.
        """
        data = b"".join(frames)
        with self._lock:
            if stream.reset or self.closed:
                raise StreamGone
            try:
                self._sock.sendall(data)
            except OSError:
                raise StreamGone from None

    def respond(self, stream: Stream, response: Response, head_only: bool) -> None:
        """Send a whole response on `stream`; a streamed body is aborted if the stream goes."""
        block = hpack.encode(response_fields(response))
        body = response.body
        if isinstance(body, bytes):
            bare = head_only or not body
            heads = self.headers(stream, block, end_stream=bare)
            with contextlib.suppress(StreamGone):
                if bare:
                    self.send_for(stream, heads)
                else:
                    self.data(stream, body, True, *heads)
            return
        with contextlib.suppress(StreamGone), streaming(response):
            self.send_for(stream, self.headers(stream, block, end_stream=False))
            for chunk in body:
                if chunk:
                    self.data(stream, chunk, False)
            self.data(stream, b"", True)

    def headers(self, stream: Stream, block: bytes, end_stream: bool) -> list[bytes]:
        """HEADERS (and CONTINUATION) frames carrying `block`, split to the frame size."""
        size = self.max_frame_size
        pieces = [block[start : start + size] for start in range(0, len(block), size)] or [b""]
        end = Flag.END_STREAM if end_stream else 0
        out = []
        for number, piece in enumerate(pieces):
            last = Flag.END_HEADERS if number == len(pieces) - 1 else 0
            if number == 0:
                out.append(frame(FrameType.HEADERS, end | last, stream.id, piece))
            else:
                out.append(frame(FrameType.CONTINUATION, last, stream.id, piece))
        return out

    def data(self, stream: Stream, data: bytes, end_stream: bool, *lead: bytes) -> None:
        """Send `data` as DATA frames, waiting for window; `lead` frames go out first.

        Raises:
            StreamGone: the stream was reset, the connection closed, or the socket failed.
        """
        view = memoryview(data)
        pending = list(lead)
        while view or end_stream:
            with self._flow:
                while view and not self._sendable(stream):
                    if stream.reset or self.closed:
                        raise StreamGone
                    if pending:
                        break  # send what we have (e.g. HEADERS) before waiting
                    self._flow.wait()
                size = min(len(view), self.window, stream.send_window, self.max_frame_size)
                size = max(size, 0)
                self.window -= size
                stream.send_window -= size
            last = end_stream and size == len(view)
            if size or last:
                flags = Flag.END_STREAM if last else 0
                pending.append(frame(FrameType.DATA, flags, stream.id, bytes(view[:size])))
                view = view[size:]
            if pending:
                self.send_for(stream, pending)
                pending = []
            if last:
                return

    def _sendable(self, stream: Stream) -> bool:
        return self.window > 0 and stream.send_window > 0 and not stream.reset and not self.closed

    def grow(self, stream: Stream | None, increment: int) -> None:
        """Apply a WINDOW_UPDATE to the connection (None) or a stream.

        Raises:
            H2Error: FLOW_CONTROL_ERROR when the connection window passes 2^31-1.
            StreamError: FLOW_CONTROL_ERROR when a stream window does.
        """
        with self._flow:
            if stream is None:
                if self.window + increment > MAX_WINDOW:
                    raise H2Error(ErrorCode.FLOW_CONTROL_ERROR, "The window passes 2^31-1.")
                self.window += increment
            else:
                if stream.send_window + increment > MAX_WINDOW:
                    raise StreamError(
                        stream.id, ErrorCode.FLOW_CONTROL_ERROR, "The window passes 2^31-1."
                    )
                stream.send_window += increment
            self._flow.notify_all()

    def set_initial_window(self, value: int, streams: Iterable[Stream]) -> None:
        """Apply a new SETTINGS_INITIAL_WINDOW_SIZE to open streams by the difference.

        Raises:
            H2Error: FLOW_CONTROL_ERROR when a stream window passes 2^31-1.
        """
        with self._flow:
            delta = value - self.initial_window
            for stream in streams:
                if stream.send_window + delta > MAX_WINDOW:
                    raise H2Error(ErrorCode.FLOW_CONTROL_ERROR, "A stream window passes 2^31-1.")
            for stream in streams:
                stream.send_window += delta
            self.initial_window = value
            self._flow.notify_all()

    def set_max_frame_size(self, value: int) -> None:
        """Apply the client's SETTINGS_MAX_FRAME_SIZE."""
        with self._flow:
            self.max_frame_size = value

    def reset(self, stream: Stream, code: ErrorCode | None) -> None:
        """Mark `stream` reset, waking its answer; send RST_STREAM unless `code` is None."""
        with self._lock:
            with self._flow:
                stream.reset = True
                self._flow.notify_all()
            if code is not None and not self.closed:
                self._sock.sendall(rst_stream(stream.id, code))

    def close(self) -> None:
        """Wake and stop every waiting answer; later sends raise `StreamGone`."""
        with self._flow:
            self.closed = True
            self._flow.notify_all()

    def goaway(self, last_stream_id: int, code: ErrorCode, debug: str, wait: float) -> None:
        """Send GOAWAY if the socket takes it within `wait` seconds; never raises."""
        if not self._lock.acquire(timeout=wait):
            return  # an answer is stuck on a client that does not read: skip the courtesy
        try:
            _, writable, _ = select.select([], [self._sock], [], wait)
            if writable:
                with contextlib.suppress(OSError):
                    self._sock.sendall(goaway(last_stream_id, code, debug))
        except (OSError, ValueError):
            pass  # the socket is already closed
        finally:
            self._lock.release()
