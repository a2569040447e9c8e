"""HPACK (RFC 7541): integers, string literals, the static and dynamic tables, a decoder.

Names and values are Latin-1 text, as in the HTTP/1.1 loop. The encoder writes every
field as a literal without indexing and without Huffman coding (RFC 7541 section
6.2.2), which any decoder accepts and which needs no encoder state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from eventwire_emulator.server.h2 import huffman

#: RFC 7541 Appendix A; index 1 is the first entry.
STATIC_TABLE: tuple[tuple[str, str], ...] = (
    (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"),
    (":path", "/index.html"), (":scheme", "http"), (":scheme", "https"),
    (":status", "200"), (":status", "204"), (":status", "206"), (":status", "304"),
    (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""),
    ("accept", ""), ("access-control-allow-origin", ""), ("age", ""), ("allow", ""),
    ("authorization", ""), ("cache-control", ""), ("content-disposition", ""),
    ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
    ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""),
    ("date", ""), ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""),
    ("if-match", ""), ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""),
    ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""), ("location", ""),
    ("max-forwards", ""), ("proxy-authenticate", ""), ("proxy-authorization", ""),
    ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""), ("server", ""),
    ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
    ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
)  # fmt: skip
#: Each dynamic table entry costs its name and value lengths plus this (section 4.1).
ENTRY_OVERHEAD = 32
DEFAULT_TABLE_SIZE = 4096
#: Integers beyond this are refused: no legitimate length or index comes near it.
MAX_INTEGER = 2**32

_NAME_INDEX: dict[str, int] = {}
for _index, (_name, _) in enumerate(STATIC_TABLE, start=1):
    _NAME_INDEX.setdefault(_name, _index)


class HpackError(ValueError):
    """A field block that cannot be decoded: a COMPRESSION_ERROR for the connection."""


class HeaderListTooLarge(Exception):
    """The decoded fields exceed the size limit; the block was still decoded in full."""


def decode_integer(data: bytes, position: int, prefix_bits: int) -> tuple[int, int]:
    """Decode an integer whose prefix is the low `prefix_bits` of ``data[position]``.

    Returns the value and the position after it (section 5.1).

    Raises:
        HpackError: the integer is truncated or implausibly large.
    """
    limit = (1 << prefix_bits) - 1
    value = data[position] & limit
    position += 1
    if value < limit:
        return value, position
    shift = 0
    while True:
        if position >= len(data):
            raise HpackError("An integer is truncated.")
        byte = data[position]
        position += 1
        value += (byte & 0x7F) << shift
        shift += 7
        if value > MAX_INTEGER:
            raise HpackError("An integer is too large.")
        if not byte & 0x80:
            return value, position


def encode_integer(value: int, prefix_bits: int, first_bits: int = 0) -> bytes:
    """Encode `value` with a `prefix_bits` prefix; `first_bits` fills the first byte's top."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_bits | value])
    out = bytearray([first_bits | limit])
    value -= limit
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_string(data: bytes, position: int) -> tuple[str, int]:
    """Decode a string literal (section 5.2): the text and the position after it.

    Raises:
        HpackError: the string is truncated or badly Huffman-coded.
    """
    if position >= len(data):
        raise HpackError("A string literal is missing.")
    huffman_coded = data[position] & 0x80
    length, position = decode_integer(data, position, 7)
    end = position + length
    if end > len(data):
        raise HpackError("A string literal is truncated.")
    raw = data[position:end]
    if huffman_coded:
        try:
            raw = huffman.decode(raw)
        except huffman.HuffmanError as exc:
            raise HpackError(str(exc)) from None
    return raw.decode("latin-1"), end


def encode_string(text: str) -> bytes:
    """Encode a string literal without Huffman coding."""
    raw = text.encode("latin-1")
    return encode_integer(len(raw), 7) + raw


class DynamicTable:
    """The dynamic table of section 2.3.2: newest entry first, evicting the oldest."""

    def __init__(self, max_size: int = DEFAULT_TABLE_SIZE) -> None:
        self.max_size = max_size
        self.size = 0
        self._entries: deque[tuple[str, str]] = deque()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, index: int) -> tuple[str, str]:
        """The entry at a full-address-space `index` (static entries come first).

        Raises:
            HpackError: the index is 0 or past the end of both tables.
        """
        if 0 < index <= len(STATIC_TABLE):
            return STATIC_TABLE[index - 1]
        offset = index - len(STATIC_TABLE) - 1
        if index <= 0 or offset >= len(self._entries):
            raise HpackError(f"Header index {index} is not in the tables.")
        return self._entries[offset]

    def add(self, name: str, value: str) -> None:
        """Insert an entry, evicting old ones to fit; one larger than the table empties it."""
        cost = len(name) + len(value) + ENTRY_OVERHEAD
        self._evict(self.max_size - cost)
        if cost <= self.max_size:
            self._entries.appendleft((name, value))
            self.size += cost

    def resize(self, max_size: int) -> None:
        """Apply a dynamic table size update, evicting entries that no longer fit."""
        self.max_size = max_size
        self._evict(max_size)

    def _evict(self, room: int) -> None:
        while self._entries and self.size > room:
            name, value = self._entries.pop()
            self.size -= len(name) + len(value) + ENTRY_OVERHEAD


class Decoder:
    """Decodes the field blocks of one connection, in order; not thread-safe.

    `max_table_size` is our SETTINGS_HEADER_TABLE_SIZE; `max_list_size` bounds the
    decoded fields (names, values and 32 bytes each) so a small block of indexed
    references cannot expand without limit.
    """

    def __init__(
        self, max_table_size: int = DEFAULT_TABLE_SIZE, max_list_size: int = 64 * 1024
    ) -> None:
        self.table = DynamicTable(max_table_size)
        self.max_table_size = max_table_size
        self.max_list_size = max_list_size

    def decode(self, block: bytes) -> list[tuple[str, str]]:
        """Decode one complete field block into (name, value) pairs, updating the table.

        Raises:
            HpackError: the block is malformed (the connection's state is then lost).
            HeaderListTooLarge: the fields exceed ``max_list_size``; the table is updated.
        """
        fields: list[tuple[str, str]] = []
        list_size = 0
        position = 0
        table = self.table
        while position < len(block):
            first = block[position]
            if first & 0x80:  # indexed field (section 6.1)
                index, position = decode_integer(block, position, 7)
                name, value = table.get(index)
            elif first & 0x40:  # literal with incremental indexing (section 6.2.1)
                name, value, position = self._literal(block, position, 6)
                table.add(name, value)
            elif first & 0x20:  # dynamic table size update (section 6.3)
                if fields:
                    raise HpackError("A table size update follows a field.")
                size, position = decode_integer(block, position, 5)
                if size > self.max_table_size:
                    raise HpackError(f"Table size update to {size} exceeds the setting.")
                table.resize(size)
                continue
            else:  # literal without indexing, or never indexed (sections 6.2.2, 6.2.3)
                name, value, position = self._literal(block, position, 4)
            list_size += len(name) + len(value) + ENTRY_OVERHEAD
            # Keep decoding past the limit, so the dynamic table stays in step.
            if list_size <= self.max_list_size:
                fields.append((name, value))
        if list_size > self.max_list_size:
            raise HeaderListTooLarge(f"The header list exceeds {self.max_list_size} bytes.")
        return fields

    def _literal(self, block: bytes, position: int, prefix_bits: int) -> tuple[str, str, int]:
        index, position = decode_integer(block, position, prefix_bits)
        if index:
            name = self.table.get(index)[0]
        else:
            name, position = decode_string(block, position)
        value, position = decode_string(block, position)
        return name, value, position


def encode(fields: Iterable[tuple[str, str]]) -> bytes:
    """Encode fields as literals without indexing, naming static entries by index."""
    out = bytearray()
    for name, value in fields:
        index = _NAME_INDEX.get(name, 0)
        out += encode_integer(index, 4)
        if not index:
            out += encode_string(name)
        out += encode_string(value)
    return bytes(out)
