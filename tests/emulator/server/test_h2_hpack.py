"""HPACK and its Huffman code against RFC 7541 Appendix C, plus the decoder's refusals."""

from __future__ import annotations

import pytest

from eventwire_emulator.server.h2 import huffman
from eventwire_emulator.server.h2.hpack import (
    STATIC_TABLE,
    Decoder,
    HeaderListTooLarge,
    HpackError,
    decode_integer,
    encode,
    encode_integer,
    encode_string,
)

DATE_21 = "Mon, 21 Oct 2013 20:13:21 GMT"
DATE_22 = "Mon, 21 Oct 2013 20:13:22 GMT"
LOCATION = "https://www.example.com"
COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"

# RFC 7541 C.3 (plain) and C.4 (Huffman): three requests on one connection.
REQUESTS = [
    [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
    [
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
        ("cache-control", "no-cache"),
    ],
    [
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/index.html"),
        (":authority", "www.example.com"),
        ("custom-key", "custom-value"),
    ],
]
REQUEST_TABLES = [
    ([(":authority", "www.example.com")], 57),
    ([("cache-control", "no-cache"), (":authority", "www.example.com")], 110),
    (
        [
            ("custom-key", "custom-value"),
            ("cache-control", "no-cache"),
            (":authority", "www.example.com"),
        ],
        164,
    ),
]
C3 = [
    "828684410f7777772e6578616d706c652e636f6d",
    "828684be58086e6f2d6361636865",
    "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
]
C4 = [
    "828684418cf1e3c2e5f23a6ba0ab90f4ff",
    "828684be5886a8eb10649cbf",
    "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
]
# RFC 7541 C.5 (plain) and C.6 (Huffman): three responses, a 256-byte table, evictions.
RESPONSES = [
    [
        (":status", "302"),
        ("cache-control", "private"),
        ("date", DATE_21),
        ("location", LOCATION),
    ],
    [
        (":status", "307"),
        ("cache-control", "private"),
        ("date", DATE_21),
        ("location", LOCATION),
    ],
    [
        (":status", "200"),
        ("cache-control", "private"),
        ("date", DATE_22),
        ("location", LOCATION),
        ("content-encoding", "gzip"),
        ("set-cookie", COOKIE),
    ],
]
RESPONSE_TABLES = [
    (
        [
            ("location", LOCATION),
            ("date", DATE_21),
            ("cache-control", "private"),
            (":status", "302"),
        ],
        222,
    ),
    (
        [
            (":status", "307"),
            ("location", LOCATION),
            ("date", DATE_21),
            ("cache-control", "private"),
        ],
        222,
    ),
    ([("set-cookie", COOKIE), ("content-encoding", "gzip"), ("date", DATE_22)], 215),
]
C5 = [
    "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a3231"
    "20474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
    "4803333037c1c0bf",
    "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a6970"
    "7738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d61"
    "67653d333630303b2076657273696f6e3d31",
]
C6 = [
    "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad1718"
    "63c78f0b97c8e9ae82ae43d3",
    "4883640effc1c0bf",
    "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6"
    "c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
]


def table_of(decoder: Decoder) -> tuple[list[tuple[str, str]], int]:
    """The dynamic table, newest first (index 62 onwards), and its size."""
    table = decoder.table
    return [table.get(len(STATIC_TABLE) + 1 + i) for i in range(len(table))], table.size


class TestIntegers:
    """Integer representation, RFC 7541 C.1."""

    @pytest.mark.parametrize(
        ("value", "prefix", "encoded"),
        [(10, 5, "0a"), (1337, 5, "1f9a0a"), (42, 8, "2a")],
        ids=["C.1.1", "C.1.2", "C.1.3"],
    )
    def test_examples(self, value: int, prefix: int, encoded: str) -> None:
        """The RFC's three integers encode and decode both ways."""
        assert encoded == encode_integer(value, prefix).hex()
        assert (value, len(encoded) // 2) == decode_integer(bytes.fromhex(encoded), 0, prefix)

    def test_truncated_integer(self) -> None:
        """A continuation byte that never ends is an error, not an IndexError."""
        with pytest.raises(HpackError, match="truncated"):
            decode_integer(b"\x1f\x9a", 0, 5)

    def test_huge_integer(self) -> None:
        """An integer far beyond 2^32 is refused before it grows further."""
        with pytest.raises(HpackError, match="too large"):
            decode_integer(b"\x1f" + b"\xff" * 10 + b"\x01", 0, 5)


class TestFieldRepresentations:
    """The four representations of RFC 7541 C.2."""

    def test_literal_with_indexing(self) -> None:
        """C.2.1: the field is decoded and added to the dynamic table."""
        decoder = Decoder()
        block = bytes.fromhex("400a637573746f6d2d6b65790d637573746f6d2d686561646572")
        assert [("custom-key", "custom-header")] == decoder.decode(block)
        assert ([("custom-key", "custom-header")], 55) == table_of(decoder)

    def test_literal_without_indexing(self) -> None:
        """C.2.2: decoded, table untouched; our encoder writes exactly these bytes."""
        decoder = Decoder()
        block = bytes.fromhex("040c2f73616d706c652f70617468")
        assert [(":path", "/sample/path")] == decoder.decode(block)
        assert ([], 0) == table_of(decoder)
        assert block == encode([(":path", "/sample/path")])

    def test_literal_never_indexed(self) -> None:
        """C.2.3: decoded, table untouched."""
        decoder = Decoder()
        block = bytes.fromhex("100870617373776f726406736563726574")
        assert [("password", "secret")] == decoder.decode(block)
        assert ([], 0) == table_of(decoder)

    def test_indexed(self) -> None:
        """C.2.4: a static-table reference."""
        assert [(":method", "GET")] == Decoder().decode(b"\x82")


class TestRequestSequences:
    """Three requests sharing one decoder, RFC 7541 C.3 and C.4."""

    @pytest.mark.parametrize("blocks", [C3, C4], ids=["C.3 plain", "C.4 Huffman"])
    def test_requests(self, blocks: list[str]) -> None:
        """Each block decodes to its request and leaves the RFC's table behind."""
        decoder = Decoder()
        for block, fields, table in zip(blocks, REQUESTS, REQUEST_TABLES, strict=True):
            assert fields == decoder.decode(bytes.fromhex(block))
            assert table == table_of(decoder)


class TestResponseSequences:
    """Three responses in a 256-byte table with evictions, RFC 7541 C.5 and C.6."""

    @pytest.mark.parametrize("blocks", [C5, C6], ids=["C.5 plain", "C.6 Huffman"])
    def test_responses(self, blocks: list[str]) -> None:
        """Each block decodes to its response; old entries are evicted as the RFC shows."""
        decoder = Decoder(max_table_size=256)
        for block, fields, table in zip(blocks, RESPONSES, RESPONSE_TABLES, strict=True):
            assert fields == decoder.decode(bytes.fromhex(block))
            assert table == table_of(decoder)


class TestTableSizeUpdates:
    """Dynamic table size updates (RFC 7541 section 6.3)."""

    def test_shrinking_evicts(self) -> None:
        """An update to 0 empties the table; a later field is still decoded."""
        decoder = Decoder()
        decoder.decode(bytes.fromhex(C3[0]))
        assert [(":method", "GET")] == decoder.decode(b"\x20\x82")
        assert ([], 0) == table_of(decoder)

    def test_update_beyond_setting(self) -> None:
        """An update above our SETTINGS_HEADER_TABLE_SIZE is a compression error."""
        with pytest.raises(HpackError, match="exceeds"):
            Decoder(max_table_size=4096).decode(b"\x3f\xe2\x1f")  # 5000

    def test_update_after_a_field(self) -> None:
        """An update must open the block."""
        with pytest.raises(HpackError, match="follows a field"):
            Decoder().decode(b"\x82\x20")


class TestDecoderRefusals:
    """Malformed blocks raise HpackError (a COMPRESSION_ERROR), never another exception."""

    @pytest.mark.parametrize(
        ("block", "message"),
        [
            (b"\x80", "index 0"),
            (b"\xbe", "index 62"),
            (b"\x40\x05ab", "truncated"),
            (b"\x40", "missing"),
            (b"\x04\x81\x00", "padding"),
            (b"\x04\x84\xff\xff\xff\xff", "EOS"),
        ],
        ids=["index 0", "past the tables", "short string", "no name", "bad padding", "EOS"],
    )
    def test_refused(self, block: bytes, message: str) -> None:
        """Each malformed block names its problem."""
        with pytest.raises(HpackError, match=message):
            Decoder().decode(block)

    def test_header_list_limit_keeps_the_table(self) -> None:
        """Past the list limit the block is still decoded, so the table stays in step."""
        decoder = Decoder(max_list_size=100)
        with pytest.raises(HeaderListTooLarge):
            decoder.decode(
                bytes.fromhex(C3[0]) + b"\x40" + encode_string("a") + encode_string("x" * 100)
            )
        assert ("a", "x" * 100) == decoder.table.get(62)


class TestHuffman:
    """The Huffman code of RFC 7541 Appendix B."""

    def test_round_trip_of_every_byte(self) -> None:
        """All 256 byte values survive encode then decode."""
        data = bytes(range(256))
        assert data == huffman.decode(huffman.encode(data))

    def test_rfc_example(self) -> None:
        """C.4.1's authority encodes to the RFC's bytes."""
        assert "f1e3c2e5f23a6ba0ab90f4ff" == huffman.encode(b"www.example.com").hex()

    def test_padding_longer_than_seven_bits(self) -> None:
        """A whole byte of EOS-prefix padding is an error."""
        with pytest.raises(huffman.HuffmanError, match="padding"):
            huffman.decode(huffman.encode(b"a") + b"\xff")
