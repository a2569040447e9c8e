"""Incoming frames: exact-length socket reads, one size-checked frame at a time."""

from __future__ import annotations

import socket
import threading

from eventwire_emulator.server.h2.frames import (
    DEFAULT_MAX_FRAME_SIZE,
    HEADER_SIZE,
    PREFACE,
    ErrorCode,
    Frame,
    H2Error,
    parse_header,
)


class FrameReader:
    """Reads the preface and frames from a socket; a read timeout only counts while idle.

    Not thread-safe: only the connection's reading thread uses it. `busy` is set
    while any stream is open.
    """

    def __init__(self, sock: socket.socket, busy: threading.Event) -> None:
        self._sock = sock
        self._busy = busy
        self._buffer = bytearray()

    def preface(self) -> None:
        """Read the client's connection preface.

        Raises:
            H2Error: PROTOCOL_ERROR when it is not the HTTP/2 preface.
        """
        if self._read(len(PREFACE)) != PREFACE:
            raise H2Error(ErrorCode.PROTOCOL_ERROR, "Invalid HTTP/2 connection preface.")

    def frame(self) -> Frame | None:
        """Read the next frame; None if the client closed first.

        Raises:
            H2Error: FRAME_SIZE_ERROR for a frame beyond our SETTINGS_MAX_FRAME_SIZE.
        """
        header = self._read(HEADER_SIZE)
        if header is None:
            return None
        length, kind, flags, stream_id = parse_header(header)
        if length > DEFAULT_MAX_FRAME_SIZE:
            # Refused before reading: nothing beyond our SETTINGS_MAX_FRAME_SIZE is buffered.
            raise H2Error(ErrorCode.FRAME_SIZE_ERROR, f"A frame of {length} bytes is too large.")
        payload = self._read(length) if length else b""
        if payload is None:
            return None
        return Frame(kind, flags, stream_id, payload)

    def _read(self, size: int) -> bytes | None:
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
