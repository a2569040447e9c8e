"""Keep a client's GOAWAY from h2, which would otherwise stop our answers (python-hyper/h2#1181).

RFC 9113 section 6.8 lets streams the client already opened finish after its
GOAWAY; h2 closes the whole connection on receiving one, so a response still
being sent is cut off. The AWS SDK for JavaScript sends GOAWAY right after a
response's headers arrive (``session.close()``), so this matters in practice.
The filter only finds frame boundaries (a 9-byte header, then the length it
names); h2 parses and checks everything else.
"""

from __future__ import annotations

_HEADER = 9
_GOAWAY = 0x7


class GoawayFilter:
    """Passes a client's bytes through, minus its GOAWAY frames; not thread-safe."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._copy = 0  # bytes of the current frame's payload still to pass on
        self._skip = 0  # bytes of a GOAWAY payload still to drop
        #: The client sent GOAWAY: it opens no more streams.
        self.seen = False

    def feed(self, data: bytes) -> bytes:
        """The bytes of `data` that h2 should see."""
        if not self._skip and not self._head and len(data) <= self._copy:
            self._copy -= len(data)
            return data  # the common case: the middle of a frame
        out = bytearray()
        view = memoryview(data)
        at = 0
        while at < len(view):
            if self._copy:
                size = min(self._copy, len(view) - at)
                out += view[at : at + size]
                self._copy -= size
                at += size
                continue
            if self._skip:
                size = min(self._skip, len(view) - at)
                self._skip -= size
                at += size
                continue
            size = min(_HEADER - len(self._head), len(view) - at)
            self._head += view[at : at + size]
            at += size
            if len(self._head) < _HEADER:
                break
            length = int.from_bytes(self._head[:3], "big")
            stream_id = int.from_bytes(self._head[5:9], "big") & 0x7FFF_FFFF
            if self._head[3] == _GOAWAY and stream_id == 0 and 8 <= length <= 16_384:
                self.seen = True
                self._skip = length
            else:
                out += self._head  # anything odd is h2's to judge
                self._copy = length
            self._head.clear()
        return bytes(out)
