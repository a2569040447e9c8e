from __future__ import annotations

import pytest

from eventwire import Event, InvalidEventError, RecordTooLargeError
from eventwire.backends import DEFAULT_MAX_RECORD_SIZE, MAX_RECORD_SIZE_LIMIT, record_for

from .sample_events import PersonCreated


class Blob(Event, partition_key="key", registry=None):
    key: str
    text: str


def overhead(key: str) -> int:
    """Bytes a Blob record takes beyond its text."""
    return record_for(Blob(key=key, text=""), source="s").size


class TestRecordSize:
    """Data plus partition key must fit the maximum record size before anything is sent."""

    def test_default_limit_is_one_mebibyte(self) -> None:
        """The default limit is Kinesis's 1 MiB."""
        assert 1024 * 1024 == DEFAULT_MAX_RECORD_SIZE
        assert 10 * 1024 * 1024 == MAX_RECORD_SIZE_LIMIT

    def test_exactly_at_the_limit_is_accepted(self) -> None:
        """A record of exactly the limit passes; one byte more fails."""
        fill = DEFAULT_MAX_RECORD_SIZE - overhead("k")
        record = record_for(Blob(key="k", text="x" * fill), source="s")
        assert DEFAULT_MAX_RECORD_SIZE == record.size
        with pytest.raises(RecordTooLargeError) as info:
            record_for(Blob(key="k", text="x" * (fill + 1)), source="s")
        assert DEFAULT_MAX_RECORD_SIZE + 1 == info.value.size
        assert DEFAULT_MAX_RECORD_SIZE == info.value.limit

    def test_partition_key_counts_in_utf8_bytes(self) -> None:
        """The key counts as UTF-8 bytes, so multi-byte characters count more than once."""
        key = "é" * 256  # 256 characters, 512 bytes
        fill = DEFAULT_MAX_RECORD_SIZE - overhead(key)
        assert (
            DEFAULT_MAX_RECORD_SIZE == record_for(Blob(key=key, text="x" * fill), source="s").size
        )
        with pytest.raises(RecordTooLargeError, match="data \\+ partition key"):
            record_for(Blob(key=key, text="x" * (fill + 1)), source="s")

    def test_configurable_limit(self) -> None:
        """A larger limit (up to 10 MiB) admits larger records."""
        big = Blob(key="k", text="x" * (2 * 1024 * 1024))
        with pytest.raises(RecordTooLargeError):
            record_for(big, source="s")
        assert record_for(big, source="s", max_record_size=MAX_RECORD_SIZE_LIMIT).size > 2**21


class TestRecordContents:
    """A record carries the encoded event and its routing."""

    def test_fields(self) -> None:
        """Record fields mirror the event."""
        event = PersonCreated(person_id=3, name="c")
        record = record_for(event, source="svc")
        assert event.id == record.event_id
        assert "com.example.person.created.v1" == record.event_type
        assert not record.ordered
        assert b'"source":"svc"' in record.data

    def test_own_source_wins(self) -> None:
        """An event that names its source keeps it."""
        record = record_for(PersonCreated(person_id=3, name="c", source="mine"), source="svc")
        assert b'"source":"mine"' in record.data
        assert b'"svc"' not in record.data

    def test_no_source_anywhere(self) -> None:
        """Without any source the event cannot be encoded."""
        with pytest.raises(InvalidEventError, match="has no source"):
            record_for(PersonCreated(person_id=3, name="c"))
