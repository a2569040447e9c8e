from __future__ import annotations

import enum
import hashlib
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventwire import Event, InvalidHashKeyError, InvalidPartitionKeyError
from eventwire.backends import check_hash_key, check_partition_key, record_for

from .sample_events import OrderPlaced, PersonCreated, Routed


class Color(enum.Enum):
    RED = "red"


class TestPartitionKeyStrategy:
    """The class decides where the partition key comes from."""

    def test_from_field(self) -> None:
        """A field name uses that field's value, as text."""
        record = record_for(PersonCreated(person_id=42, name="a"), source="s")
        assert "42" == record.partition_key

    def test_from_callable(self) -> None:
        """A callable is given the event."""
        assert "r-7" == record_for(Routed(n=7), source="s").partition_key

    def test_default_is_the_event_id(self) -> None:
        """By default every event gets its own random key (its UUID id), spreading load."""
        event = OrderPlaced(order_id="o", amount_cents=1)
        assert event.id == record_for(event, source="s").partition_key

    def test_enum_and_uuid_values(self) -> None:
        """Enums and UUIDs convert to their text."""
        value = uuid.uuid4()
        assert str(value) == check_partition_key("t", value)
        assert "red" == check_partition_key("t", Color.RED)

    def test_error_names_event_type_and_value(self) -> None:
        """A bad key raises an error naming the event type and the offending value."""

        class Keyed(Event, partition_key="key", registry=None):
            key: str

        with pytest.raises(InvalidPartitionKeyError) as info:
            record_for(Keyed(key="x" * 257), source="s")
        assert "Keyed.v1" in str(info.value)
        assert "257 characters" in str(info.value)
        assert "x" * 257 == info.value.value
        assert "Keyed.v1" == info.value.event_type

    @pytest.mark.parametrize("value", [None, 1.5, b"bytes", True, ["a"]])
    def test_non_text_values(self, value: object) -> None:
        """Values without one obvious text form are refused."""
        with pytest.raises(InvalidPartitionKeyError, match="must be a string"):
            check_partition_key("t", value)

    def test_empty(self) -> None:
        """An empty key is refused."""
        with pytest.raises(InvalidPartitionKeyError, match="must not be empty"):
            check_partition_key("t", "")

    @given(st.text(min_size=1, max_size=256))
    def test_any_text_of_1_to_256_characters_is_accepted(self, key: str) -> None:
        """Every Unicode string of 1..256 characters is a valid key, unchanged."""
        assert key == check_partition_key("t", key)

    @given(st.text(min_size=257, max_size=400))
    def test_longer_keys_are_refused(self, key: str) -> None:
        """More than 256 characters is refused."""
        with pytest.raises(InvalidPartitionKeyError, match="over the limit of 256"):
            check_partition_key("t", key)


class TestExplicitHashKey:
    """Explicit hash keys are decimal integers in [0, 2**128 - 1]."""

    def test_from_field(self) -> None:
        """The declared field's value is used, canonicalised."""
        record = record_for(Routed(n=1, hash_key="0007"), source="s")
        assert "7" == record.explicit_hash_key

    def test_none_means_no_hash_key(self) -> None:
        """A field left None gives no explicit hash key."""
        assert record_for(Routed(n=1), source="s").explicit_hash_key is None

    def test_bad_value_names_event(self) -> None:
        """A bad value names the event type and the value."""
        with pytest.raises(InvalidHashKeyError, match=r"Routed\.v1.*'-1'"):
            record_for(Routed(n=1, hash_key="-1"), source="s")

    @given(st.integers(min_value=0, max_value=2**128 - 1))
    def test_range_accepted(self, number: int) -> None:
        """Every integer of the range, as int or decimal text, is accepted."""
        assert str(number) == check_hash_key("t", number)
        assert str(number) == check_hash_key("t", str(number))

    @given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**128)))
    def test_out_of_range_refused(self, number: int) -> None:
        """Integers outside the range are refused."""
        with pytest.raises(InvalidHashKeyError):
            check_hash_key("t", number)
        with pytest.raises(InvalidHashKeyError):
            check_hash_key("t", str(number))

    @given(st.text().filter(lambda s: not (s.isascii() and s.isdigit())))
    def test_non_decimal_text_refused(self, text: str) -> None:
        """Text that is not plain ASCII decimal digits is refused."""
        with pytest.raises(InvalidHashKeyError):
            check_hash_key("t", text)

    def test_md5_of_a_key_is_in_range(self) -> None:
        """The MD5 of any partition key is itself a valid hash key (the routing assumption)."""
        digest = int.from_bytes(hashlib.md5(b"key").digest(), "big")
        assert str(digest) == check_hash_key("t", digest)


class TestErrorsShowLittleOfAValue:
    """Errors echo at most about 60 characters of a user's value."""

    def test_long_partition_key(self) -> None:
        """A 300-character key is cut in the message, which says how long it was."""
        with pytest.raises(InvalidPartitionKeyError) as info:
            check_partition_key("t.v1", "k" * 300)
        message = str(info.value)
        assert "k" * 61 not in message
        assert "300 characters" in message
        assert "k" * 300 == info.value.value
