from __future__ import annotations

import pytest

from eventwire import Event, InvalidEventError, RecordTooLargeError
from eventwire.backends import (
    DEFAULT_MAX_RECORD_SIZE,
    MAX_RECORD_SIZE_LIMIT,
    CheckedRecords,
    local_problem,
    record_for,
    records_for,
)

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


class Flagged(Event, partition_key="key", ordered=True, registry=None):
    key: str


class Routed(Event, partition_key="key", explicit_hash_key="hash_key", registry=None):
    key: str
    hash_key: str


class Measured(Event, partition_key="key", registry=None):
    key: str
    value: float


def mixed_batch() -> list[Event]:
    """Events that take records_for's inline path and events that take record_for's."""
    return [
        Blob(key="k1", text="plain"),
        Blob(key="k2", text="own source", source="mine"),
        Blob(key="k3", text="subject", subject="s"),
        Blob(key="k4", text="extensions", extensions={"traceparent": "00-" + "1" * 32 + "-01"}),
        Blob(key="clé", text="a key that is not ASCII"),
        Routed(key="k5", hash_key="12345"),
        Measured(key="k6", value=1.5),
        PersonCreated(person_id=7, name="another class"),
        Blob(key="k7", text="back to the first class"),
    ]


class TestRecordsFor:
    """records_for gives record_for's records and errors, for a whole batch at once."""

    @pytest.mark.parametrize("extensions", [None, {"hook": "x"}])
    def test_same_records_as_one_by_one(self, extensions: dict[str, object] | None) -> None:
        """Every record, field by field and byte by byte, is the one record_for gives."""
        events = mixed_batch()
        expected = [record_for(e, source="svc", extensions=extensions) for e in events]
        assert expected == list(records_for(events, source="svc", extensions=extensions))

    def test_an_empty_batch(self) -> None:
        assert () == records_for([], source="svc")

    @pytest.mark.parametrize(
        ("event", "error", "match"),
        [
            (Blob(key="k", text="x" * DEFAULT_MAX_RECORD_SIZE), RecordTooLargeError, "bytes"),
            (Measured(key="k", value=float("nan")), InvalidEventError, "not a JSON number"),
            (Blob(key="\ud800", text=""), InvalidEventError, "surrogate"),
            (Blob(key="", text=""), InvalidEventError, "must not be empty"),
        ],
        ids=["too-large", "nan", "lone-surrogate-key", "empty-key"],
    )
    def test_the_first_failure_is_record_fors(
        self, event: Event, error: type[Exception], match: str
    ) -> None:
        """An event record_for refuses stops the batch with record_for's error and message."""
        with pytest.raises(error, match=match) as alone:
            record_for(event, source="svc")
        with pytest.raises(error) as batched:
            records_for([Blob(key="k", text="fine"), event], source="svc")
        assert str(alone.value) == str(batched.value)

    def test_no_source_anywhere(self) -> None:
        with pytest.raises(InvalidEventError, match="has no source"):
            records_for([Blob(key="k", text="")])

    def test_only_events(self) -> None:
        """Anything that is not an Event is refused by name, wherever it sits in the batch."""
        with pytest.raises(InvalidEventError, match=r"Event instances .* not dict"):
            records_for([Blob(key="k", text=""), {"key": "k"}], source="svc")

    def test_exactly_at_the_limit(self) -> None:
        """The inline size check counts as record_for's: the limit passes, one byte more fails."""
        fill = 300 - overhead("k")
        [record] = records_for([Blob(key="k", text="x" * fill)], source="s", max_record_size=300)
        assert 300 == record.size
        with pytest.raises(RecordTooLargeError) as info:
            records_for([Blob(key="k", text="x" * (fill + 1))], source="s", max_record_size=300)
        assert (301, 300) == (info.value.size, info.value.limit)


class TestCheckedRecords:
    """What records_for vouches for, so that a backend need not check again."""

    def test_every_record_passes_the_local_checks(self) -> None:
        records = records_for(mixed_batch(), source="svc")
        assert isinstance(records, CheckedRecords)
        assert [None] * len(records) == [local_problem(record) for record in records]

    def test_it_cannot_change(self) -> None:
        """A tuple: nothing can be put into it after the check; a slice is a plain tuple."""
        records = records_for(mixed_batch(), source="svc")
        assert isinstance(records, tuple)
        assert not hasattr(records, "append")
        assert type(records[:2]) is tuple

    @pytest.mark.parametrize(
        ("events", "ordered"),
        [
            ([Blob(key="k", text="")], False),
            ([Blob(key="k", text=""), Flagged(key="k")], True),
            ([Flagged(key="k", source="own")], True),  # one that takes record_for's path
        ],
    )
    def test_ordered_says_whether_any_record_is(self, events: list[Event], ordered: bool) -> None:
        records = records_for(events, source="svc")
        assert isinstance(records, CheckedRecords)
        assert (ordered, ordered) == (records.ordered, any(r.ordered for r in records))

    @pytest.mark.parametrize(
        ("events", "flag"),
        [
            ([Blob(key="k", text="")], False),
            ([Blob(key="k", text=""), Routed(key="k", hash_key="7")], True),
        ],
    )
    def test_explicit_hash_keys_says_whether_any_record_has_one(
        self, events: list[Event], flag: bool
    ) -> None:
        records = records_for(events, source="svc")
        assert isinstance(records, CheckedRecords)
        hash_keys = [r.explicit_hash_key for r in records]
        assert (flag, flag) == (records.explicit_hash_keys, hash_keys != [None] * len(records))

    def test_a_limit_above_kinesis_gets_a_plain_list(self) -> None:
        """Records checked against more than 10 MiB are not vouched for."""
        records = records_for([Blob(key="k", text="")], source="s",
                              max_record_size=MAX_RECORD_SIZE_LIMIT + 1)  # fmt: skip
        assert type(records) is list
