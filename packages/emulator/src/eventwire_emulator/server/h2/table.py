"""The connection's streams: open, closed and reset ids, and the threads answering them."""

from __future__ import annotations

import contextlib
import threading
import time

from eventwire_emulator.server.h2.frames import ErrorCode, H2Error, StreamError, rst_stream
from eventwire_emulator.server.h2.streams import Stream
from eventwire_emulator.server.h2.writer import Writer
from eventwire_emulator.server.messages import App, Request, Response, error_response


class StreamTable:
    """Open streams by id, and one thread per stream answering its request.

    The connection's reading thread opens, looks up and resets streams; each
    answering thread only ends its own. `active` is set while any stream is open.
    """

    def __init__(self, app: App, writer: Writer) -> None:
        self.app = app
        self._writer = writer
        self.active = threading.Event()
        self._lock = threading.Lock()  # guards _streams, _threads and closing flags
        self._streams: dict[int, Stream] = {}
        self._threads: set[threading.Thread] = set()
        self._reset_by_us: set[int] = set()  # their late frames are ignored, not errors
        #: The highest stream id the client has opened.
        self.last_stream_id = 0

    def count(self) -> int:
        """How many streams are open."""
        return len(self._streams)

    def get(self, stream_id: int) -> Stream | None:
        """The open stream with this id, if any."""
        return self._streams.get(stream_id)

    def open_streams(self) -> list[Stream]:
        """A snapshot of the open streams."""
        with self._lock:
            return list(self._streams.values())

    def add(self, stream: Stream) -> None:
        """Track a stream the client just opened."""
        with self._lock:
            self._streams[stream.id] = stream
            self.active.set()

    def reset_by_us(self, stream_id: int) -> bool:
        """Whether we reset this stream (so the client's late frames on it are expected)."""
        return stream_id in self._reset_by_us

    def check_not_idle(self, stream_id: int, name: str) -> None:
        """Refuse a frame called `name` on a stream the client never opened.

        Raises:
            H2Error: PROTOCOL_ERROR for an idle stream.
        """
        if stream_id > self.last_stream_id or stream_id % 2 == 0:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, f"{name} on idle stream {stream_id}.")

    # -- answering -------------------------------------------------------------------

    def start(self, stream: Stream, request: Request | None, response: Response | None) -> None:
        """Answer on a thread of its own: `response` as given, or the app's to `request`."""
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
                self.close(stream, ErrorCode.NO_ERROR)
        except Exception:  # e.g. a failing event stream: reset just this stream
            with contextlib.suppress(OSError):
                self.close(stream, ErrorCode.INTERNAL_ERROR)
        finally:
            with self._lock:
                stream.answering = False
                stream.local_closed = True
                self._threads.discard(threading.current_thread())
            self.forget(stream)

    def join(self, seconds: float) -> None:
        """Wait for the answering threads, up to `seconds` in all."""
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + seconds
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- ending ----------------------------------------------------------------------

    def stream_error(self, exc: StreamError) -> None:
        """Reset the stream `exc` names, open or not, with its error code."""
        stream = self._streams.get(exc.stream_id)
        if stream is None:
            self._reset_by_us.add(exc.stream_id)
            self._writer.send(rst_stream(exc.stream_id, exc.code))
        else:
            self.close(stream, exc.code)

    def close(self, stream: Stream, code: ErrorCode | None) -> None:
        """Reset `stream`: by us with `code`, or by the client when `code` is None."""
        if code is not None:
            self._reset_by_us.add(stream.id)
        self._writer.reset(stream, code)
        stream.remote_closed = True
        self.forget(stream)

    def forget(self, stream: Stream) -> None:
        """Drop `stream` once both sides have ended it (an unanswered one ends here)."""
        with self._lock:
            if not stream.answering:
                stream.local_closed = True
            if stream.remote_closed and stream.local_closed:
                self._streams.pop(stream.id, None)
                if not self._streams:
                    self.active.clear()
