"""Connection control: SETTINGS both ways, PING, WINDOW_UPDATE, PRIORITY, our receive window."""

from __future__ import annotations

from eventwire_emulator.server.h2.frames import (
    DEFAULT_WINDOW,
    MAX_WINDOW,
    ErrorCode,
    Flag,
    Frame,
    FrameType,
    H2Error,
    Setting,
    StreamError,
    frame,
    parse_settings,
    read_u32,
    settings,
    window_update,
)
from eventwire_emulator.server.h2.table import StreamTable
from eventwire_emulator.server.h2.writer import Writer

MAX_CONCURRENT_STREAMS = 100
#: Our connection receive window; replenished as data arrives, once half is used.
CONNECTION_WINDOW = 16 * 1024 * 1024


class Control:
    """Answers control frames and keeps the receive-side flow-control books.

    Not thread-safe: only the connection's reading thread uses it; send windows
    live in the `Writer`, which answering threads share.
    """

    def __init__(self, writer: Writer, table: StreamTable, max_body: int) -> None:
        self._writer = writer
        self._table = table
        #: The client acknowledged our SETTINGS.
        self.settings_acked = False
        # Every body fits its stream's window, so stream windows are never replenished.
        self.stream_window = min(max_body + 1, MAX_WINDOW)
        self._recv_window = CONNECTION_WINDOW

    def send_settings(self, max_header_list_size: int) -> None:
        """Send our SETTINGS and open the connection window to `CONNECTION_WINDOW`."""
        self._writer.send(
            settings(
                {
                    Setting.ENABLE_PUSH: 0,
                    Setting.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
                    Setting.INITIAL_WINDOW_SIZE: self.stream_window,
                    Setting.MAX_HEADER_LIST_SIZE: max_header_list_size,
                }
            )
            + window_update(0, CONNECTION_WINDOW - DEFAULT_WINDOW)
        )

    def new_stream_window(self) -> int:
        """How much DATA a stream opened now may send us."""
        if not self.settings_acked:
            # Until the client has our SETTINGS it may assume the default window.
            return max(self.stream_window, DEFAULT_WINDOW)
        return self.stream_window

    def take_connection_window(self, size: int) -> None:
        """Count `size` bytes of DATA against the connection window, replenishing it.

        Raises:
            H2Error: FLOW_CONTROL_ERROR when the client overran it.
        """
        if size > self._recv_window:
            raise H2Error(ErrorCode.FLOW_CONTROL_ERROR, "The connection window was overrun.")
        self._recv_window -= size
        if self._recv_window <= CONNECTION_WINDOW // 2:
            self._writer.send(window_update(0, CONNECTION_WINDOW - self._recv_window))
            self._recv_window = CONNECTION_WINDOW

    def on_window_update(self, item: Frame) -> None:
        """Raise a send window: the connection's or a stream's."""
        increment = read_u32(item.payload, "WINDOW_UPDATE") & MAX_WINDOW
        stream_id = item.stream_id
        if not stream_id:
            if not increment:
                raise H2Error(ErrorCode.PROTOCOL_ERROR, "A connection WINDOW_UPDATE of 0.")
            self._writer.grow(None, increment)
            return
        stream = self._table.get(stream_id)
        if stream is None:
            self._table.check_not_idle(stream_id, "WINDOW_UPDATE")
            return  # may cross our end of the stream
        if not increment:
            raise StreamError(stream_id, ErrorCode.PROTOCOL_ERROR, "A WINDOW_UPDATE of 0.")
        self._writer.grow(stream, increment)

    def on_settings(self, item: Frame) -> None:
        """Apply the client's SETTINGS and acknowledge them, or note its ACK of ours."""
        if item.stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream.")
        if item.has(Flag.ACK):
            if item.payload:
                raise H2Error(ErrorCode.FRAME_SIZE_ERROR, "A SETTINGS ACK has no payload.")
            self.settings_acked = True
            return
        for key, value in parse_settings(item.payload):
            if key == Setting.INITIAL_WINDOW_SIZE:
                self._writer.set_initial_window(value, self._table.open_streams())
            elif key == Setting.MAX_FRAME_SIZE:
                self._writer.set_max_frame_size(value)
            # HEADER_TABLE_SIZE needs nothing: our encoder never adds to the table.
        self._writer.send(frame(FrameType.SETTINGS, Flag.ACK, 0))

    def on_ping(self, item: Frame) -> None:
        """Answer a PING."""
        if item.stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "PING on a stream.")
        if len(item.payload) != 8:
            raise H2Error(ErrorCode.FRAME_SIZE_ERROR, "A PING payload is 8 bytes.")
        if not item.has(Flag.ACK):
            self._writer.send(frame(FrameType.PING, Flag.ACK, 0, item.payload))

    def on_priority(self, item: Frame) -> None:
        """Check a PRIORITY frame; prioritization is deprecated (RFC 9113 section 5.3.2)."""
        if not item.stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0.")
        if len(item.payload) != 5:
            raise StreamError(item.stream_id, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY is 5 bytes.")
        if int.from_bytes(item.payload[:4], "big") & MAX_WINDOW == item.stream_id:
            raise StreamError(item.stream_id, ErrorCode.PROTOCOL_ERROR, "Depends on itself.")
