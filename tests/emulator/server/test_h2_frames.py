"""HTTP/2 frame parsing and serialization (RFC 9113 sections 4 and 6)."""

from __future__ import annotations

import struct

import pytest

from eventwire_emulator.server.h2.frames import (
    ErrorCode,
    Flag,
    Frame,
    FrameType,
    H2Error,
    Setting,
    frame,
    goaway,
    header_fragment,
    parse_header,
    parse_settings,
    read_u32,
    rst_stream,
    settings,
    unpad,
    window_update,
)


class TestFrameHeader:
    """The 9-byte frame header."""

    def test_round_trip(self) -> None:
        """Length, type, flags and stream id survive serialization."""
        raw = frame(FrameType.HEADERS, Flag.END_HEADERS, 7, b"x" * 70_000)
        assert (70_000, FrameType.HEADERS, Flag.END_HEADERS, 7) == parse_header(raw[:9])
        assert 9 + 70_000 == len(raw)

    def test_layout(self) -> None:
        """Bytes as the RFC lays them out: 24-bit length, type, flags, 31-bit stream."""
        assert "000003000100000005616263" == frame(FrameType.DATA, 1, 5, b"abc").hex()

    def test_reserved_bit_ignored(self) -> None:
        """The reserved high bit of the stream id is dropped on receipt."""
        header = struct.pack(">HBBBL", 0, 0, FrameType.PING, 0, 0x8000_0003)
        assert (0, FrameType.PING, 0, 3) == parse_header(header)


class TestPadding:
    """PADDED DATA and HEADERS frames."""

    def test_padding_removed(self) -> None:
        """The pad-length byte and the padding go; the data stays."""
        item = Frame(FrameType.DATA, Flag.PADDED, 1, b"\x03abc\x00\x00\x00")
        assert b"abc" == unpad(item)

    @pytest.mark.parametrize("payload", [b"", b"\x03ab", b"\x01"], ids=["empty", "long", "all"])
    def test_padding_too_long(self, payload: bytes) -> None:
        """Padding as long as the payload (or no room for its length) is PROTOCOL_ERROR."""
        with pytest.raises(H2Error) as caught:
            unpad(Frame(FrameType.DATA, Flag.PADDED, 1, payload))
        assert ErrorCode.PROTOCOL_ERROR == caught.value.code

    def test_headers_priority_and_padding(self) -> None:
        """A HEADERS frame's priority fields and padding come off its fragment."""
        payload = b"\x02" + struct.pack(">LB", 0x8000_0003, 15) + b"\x82" + b"\x00\x00"
        item = Frame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 5, payload)
        assert (b"\x82", 3) == header_fragment(item)

    def test_short_priority(self) -> None:
        """Too few bytes for the priority fields is FRAME_SIZE_ERROR."""
        with pytest.raises(H2Error) as caught:
            header_fragment(Frame(FrameType.HEADERS, Flag.PRIORITY, 1, b"\x00\x00"))
        assert ErrorCode.FRAME_SIZE_ERROR == caught.value.code


class TestSettings:
    """SETTINGS payloads."""

    def test_round_trip(self) -> None:
        """Pairs built by settings() parse back in order."""
        raw = settings({Setting.INITIAL_WINDOW_SIZE: 1 << 20, Setting.ENABLE_PUSH: 0})
        assert (12, FrameType.SETTINGS, 0, 0) == parse_header(raw[:9])
        assert [(4, 1 << 20), (2, 0)] == parse_settings(raw[9:])

    def test_unknown_settings_pass(self) -> None:
        """Unknown identifiers are returned (and ignored by the connection)."""
        assert [(0x99, 7)] == parse_settings(struct.pack(">HL", 0x99, 7))

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            (b"\x00\x04\x00\x00\x00", ErrorCode.FRAME_SIZE_ERROR),
            (struct.pack(">HL", Setting.ENABLE_PUSH, 2), ErrorCode.PROTOCOL_ERROR),
            (struct.pack(">HL", Setting.INITIAL_WINDOW_SIZE, 2**31), ErrorCode.FLOW_CONTROL_ERROR),
            (struct.pack(">HL", Setting.MAX_FRAME_SIZE, 16_383), ErrorCode.PROTOCOL_ERROR),
            (struct.pack(">HL", Setting.MAX_FRAME_SIZE, 2**24), ErrorCode.PROTOCOL_ERROR),
        ],
        ids=["ragged", "push 2", "window 2^31", "frame size small", "frame size large"],
    )
    def test_invalid(self, payload: bytes, code: ErrorCode) -> None:
        """Each invalid payload carries the error code RFC 9113 section 6.5.2 names."""
        with pytest.raises(H2Error) as caught:
            parse_settings(payload)
        assert code == caught.value.code


class TestControlFrames:
    """WINDOW_UPDATE, RST_STREAM and GOAWAY."""

    def test_window_update(self) -> None:
        """A 4-byte increment on the given stream."""
        raw = window_update(3, 1000)
        assert (4, FrameType.WINDOW_UPDATE, 0, 3) == parse_header(raw[:9])
        assert 1000 == read_u32(raw[9:], "WINDOW_UPDATE")

    def test_rst_stream(self) -> None:
        """A 4-byte error code."""
        assert "00000403000000000100000008" == rst_stream(1, ErrorCode.CANCEL).hex()

    def test_goaway(self) -> None:
        """Last stream id, error code, then debug text."""
        raw = goaway(5, ErrorCode.PROTOCOL_ERROR, "bad")
        assert struct.pack(">LL", 5, 1) + b"bad" == raw[9:]

    def test_wrong_length(self) -> None:
        """A 4-byte field of another length is FRAME_SIZE_ERROR."""
        with pytest.raises(H2Error) as caught:
            read_u32(b"\x00\x00\x01", "RST_STREAM")
        assert ErrorCode.FRAME_SIZE_ERROR == caught.value.code
