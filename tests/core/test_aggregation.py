from __future__ import annotations

from hashlib import md5

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventwire.aggregation import MAGIC, Aggregator, UserRecord
from eventwire.backends import Record, aggregate, deaggregate, is_aggregated
from eventwire.protowire import WireFormatError, fields, read_varint, varint, varint_size

keys = st.text(min_size=1, max_size=20)
hash_keys = st.none() | st.integers(0, 2**128 - 1).map(str)
records = st.builds(Record, data=st.binary(max_size=300), partition_key=keys,
                    explicit_hash_key=hash_keys)  # fmt: skip


class TestVarints:
    """Varints encode and decode as protocol buffers define them."""

    @pytest.mark.parametrize(
        ("value", "encoded"), [(0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (300, b"\xac\x02")]
    )
    def test_known_encodings(self, value: int, encoded: bytes) -> None:
        """Known values encode to the bytes the protobuf documentation gives."""
        assert encoded == varint(value)

    @given(st.integers(0, 2**64 - 1))
    def test_round_trip_and_size(self, value: int) -> None:
        """Every uint64 round-trips and varint_size predicts the length."""
        encoded = varint(value)
        assert (value, len(encoded)) == read_varint(encoded, 0)
        assert len(encoded) == varint_size(value)

    def test_truncated_varint_is_an_error(self) -> None:
        """A varint whose continuation bit runs off the end is malformed."""
        with pytest.raises(WireFormatError, match="truncated"):
            read_varint(b"\x80", 0)

    def test_unknown_wire_type_is_an_error(self) -> None:
        """Wire types 3 and 4 (groups) are not supported."""
        with pytest.raises(WireFormatError, match="wire type"):
            fields(b"\x0b")


class TestAggregate:
    """Aggregated records have the KPL layout and route like their first record."""

    def test_layout(self) -> None:
        """Magic bytes, protobuf message, MD5 of the message."""
        data = aggregate([Record(b"hi", "k")]).data
        assert MAGIC == data[:4]
        assert md5(data[4:-16]).digest() == data[-16:]
        # partition_key_table = ["k"], records = [{partition_key_index: 0, data: "hi"}]
        assert b"\x0a\x01k\x1a\x06\x08\x00\x1a\x02hi" == data[4:-16]

    def test_keys_of_the_first_record(self) -> None:
        """The aggregated record takes the first user record's keys."""
        combined = aggregate([Record(b"a", "first", "7"), Record(b"b", "second")])
        assert ("first", "7") == (combined.partition_key, combined.explicit_hash_key)

    def test_empty_is_an_error(self) -> None:
        """Zero records cannot be aggregated."""
        with pytest.raises(ValueError, match="zero records"):
            aggregate([])

    @given(st.lists(records, min_size=1, max_size=30))
    def test_size_is_exact(self, batch: list[Record]) -> None:
        """size_with predicts the size, and size equals data plus partition key."""
        aggregator = Aggregator()
        for record in batch:
            predicted = aggregator.size_with(record)
            aggregator.add(record)
            assert predicted == aggregator.size
        assert aggregator.to_record().size == aggregator.size


class TestDeaggregate:
    """deaggregate recovers user records, and passes plain records through."""

    @given(st.lists(records, min_size=1, max_size=30))
    def test_round_trip(self, batch: list[Record]) -> None:
        """Every user record comes back with its keys, in order, numbered."""
        combined = aggregate(batch)
        expected = [
            UserRecord(r.data, r.partition_key, r.explicit_hash_key, i, aggregated=True)
            for i, r in enumerate(batch)
        ]
        assert expected == deaggregate(combined.data, combined.partition_key)

    def test_plain_record_passes_through(self) -> None:
        """Data without the magic bytes is one user record with the given keys."""
        assert [UserRecord(b"{}", "k", "5")] == deaggregate(b"{}", "k", "5")
        assert not is_aggregated(b"{}")

    def test_bad_checksum_is_a_plain_record(self) -> None:
        """A record with the magic but a wrong digest is not aggregated, as in the KPL."""
        data = aggregate([Record(b"x", "k")]).data
        corrupted = data[:-1] + bytes([data[-1] ^ 1])
        assert [UserRecord(corrupted, "k")] == deaggregate(corrupted, "k")

    def test_unparseable_message_is_a_plain_record(self) -> None:
        """A digest that matches a message that does not parse leaves the record whole."""
        message = b"\x1a\x05\x08"  # a Record field claiming more bytes than it has
        data = MAGIC + message + md5(message).digest()
        assert [UserRecord(data, "k")] == deaggregate(data, "k")

    def test_unknown_fields_are_skipped(self) -> None:
        """Tags and unknown fields are ignored, as protobuf parsers must."""
        tag = b"\x22\x05\x0a\x03env"  # tags: [{key: "env"}]
        record = b"\x08\x00\x1a\x02hi" + tag
        message = b"\x0a\x01k" + b"\x1a" + bytes([len(record)]) + record + b"\x28\x07"
        data = MAGIC + message + md5(message).digest()
        assert [UserRecord(b"hi", "k", None, 0, aggregated=True)] == deaggregate(data)
