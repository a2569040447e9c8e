"""Requests from HEADERS, CONTINUATION and DATA: field blocks decoded, bodies checked and capped."""

from __future__ import annotations

from eventwire_emulator.server.h2 import hpack
from eventwire_emulator.server.h2.control import MAX_CONCURRENT_STREAMS, Control
from eventwire_emulator.server.h2.frames import (
    ErrorCode,
    Flag,
    Frame,
    FrameType,
    H2Error,
    StreamError,
    header_fragment,
    unpad,
    window_update,
)
from eventwire_emulator.server.h2.reader import FrameReader
from eventwire_emulator.server.h2.streams import MalformedRequest, Stream, request_head
from eventwire_emulator.server.h2.table import StreamTable
from eventwire_emulator.server.h2.writer import Writer
from eventwire_emulator.server.messages import HttpError, body_too_large

#: Largest field block accepted across HEADERS and CONTINUATION frames.
MAX_FIELD_BLOCK = 256 * 1024


class RequestAssembler:
    """Opens streams from HEADERS and buffers their DATA; a whole request starts its answer.

    Not thread-safe: only the connection's reading thread uses it, since HPACK
    state is per connection and field blocks must be decoded in order.
    """

    def __init__(
        self,
        reader: FrameReader,
        writer: Writer,
        table: StreamTable,
        control: Control,
        max_body: int,
    ) -> None:
        self.max_body = max_body
        self.decoder = hpack.Decoder()
        self._reader = reader
        self._writer = writer
        self._table = table
        self._control = control
        #: We sent GOAWAY: new streams are refused.
        self.going_away = False

    # -- HEADERS ---------------------------------------------------------------------

    def on_headers(self, item: Frame) -> None:
        """Open a stream (or end one with trailers) from HEADERS and its CONTINUATIONs."""
        stream_id = item.stream_id
        if not stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0.")
        fragment, dependency = header_fragment(item)
        block = bytearray(fragment)
        ended = item.has(Flag.END_HEADERS)
        while not ended:
            follow = self._reader.frame()
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
            fields = self.decoder.decode(bytes(block))
        except hpack.HpackError as exc:
            raise H2Error(ErrorCode.COMPRESSION_ERROR, str(exc)) from None
        except hpack.HeaderListTooLarge:
            fields, too_large = [], True
        end_stream = item.has(Flag.END_STREAM)
        table = self._table
        stream = table.get(stream_id)
        if stream is not None:
            self._on_trailers(stream, end_stream)
            return
        if stream_id % 2 == 0:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, f"Stream {stream_id} is not client-opened.")
        if stream_id <= table.last_stream_id:
            if table.reset_by_us(stream_id):
                return
            raise H2Error(ErrorCode.STREAM_CLOSED, f"HEADERS on closed stream {stream_id}.")
        table.last_stream_id = stream_id
        if dependency == stream_id:
            raise StreamError(stream_id, ErrorCode.PROTOCOL_ERROR, "A stream depends on itself.")
        if self.going_away or table.count() >= MAX_CONCURRENT_STREAMS:
            raise StreamError(stream_id, ErrorCode.REFUSED_STREAM, "Too many streams.")
        self._open(stream_id, fields, too_large, end_stream)

    def _open(
        self, stream_id: int, fields: list[tuple[str, str]], too_large: bool, end_stream: bool
    ) -> None:
        stream = Stream(stream_id, self._writer.initial_window, self._control.new_stream_window())
        self._table.add(stream)
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

    # -- DATA ------------------------------------------------------------------------

    def on_data(self, item: Frame) -> None:
        """Buffer a stream's body, within its window and the body limit."""
        stream_id = item.stream_id
        if not stream_id:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0.")
        data = unpad(item)
        size = len(item.payload)  # padding counts against flow control too
        self._control.take_connection_window(size)
        stream = self._table.get(stream_id)
        if stream is None:
            if self._table.reset_by_us(stream_id):
                return
            self._table.check_not_idle(stream_id, "DATA")
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

    # -- a request complete, or refused ----------------------------------------------

    def _refuse(self, stream: Stream, error: HttpError) -> None:
        """Answer now, before the body ends; the rest of the body is dropped."""
        stream.refused = True
        self._table.start(stream, None, error.response())

    def _end_remote(self, stream: Stream) -> None:
        stream.remote_closed = True
        if stream.refused:
            self._table.forget(stream)
            return
        request = stream.request
        assert request is not None, "only refused streams lack a request"
        if stream.content_length is not None and stream.content_length != stream.received:
            raise StreamError(stream.id, ErrorCode.PROTOCOL_ERROR, "content-length mismatch.")
        request.body = bytes(stream.body)
        stream.body = bytearray()
        self._table.start(stream, request, None)
