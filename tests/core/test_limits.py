"""The Kinesis limits in their one home, and splitting records into requests.

Figures from the Kinesis API reference and the botocore service model
(kinesis/2013-12-02, PutRecords): "Each PutRecords request can support up to
500 records. Each record in the request can be as large as 10 MiB, up to a
limit of 10 MiB for the entire request, including partition keys."
"""

from __future__ import annotations

import pytest

from eventwire import limits
from eventwire.backends import Record
from eventwire.limits import MAX_REQUEST_BYTES, local_problem, split_requests


def sized(size: int, key: str = "k") -> Record:
    return Record(b"x" * (size - len(key.encode())), key)


class TestFigures:
    """The figures are the documented ones."""

    def test_request_and_record_limits(self) -> None:
        """500 records and 10 MiB per request; records 1 MiB by default, 10 MiB at most."""
        assert 500 == limits.MAX_RECORDS_PER_REQUEST
        assert 10 * 1024 * 1024 == limits.MAX_REQUEST_BYTES
        assert 1024 * 1024 == limits.DEFAULT_MAX_RECORD_SIZE
        assert 10 * 1024 * 1024 == limits.MAX_RECORD_SIZE_LIMIT

    def test_key_and_shard_limits(self) -> None:
        """Keys of 1-256 characters, 128-bit hash keys, 1,000 records and 1 MiB per shard-second."""
        assert 256 == limits.MAX_PARTITION_KEY_LENGTH
        assert 2**128 - 1 == limits.MAX_HASH_KEY
        assert 1000 == limits.SHARD_WRITE_RECORDS_PER_SECOND
        assert 1024 * 1024 == limits.SHARD_WRITE_BYTES_PER_SECOND


class TestSplitRequests:
    """PutRecords requests hold at most 500 records and 10 MiB of data plus keys."""

    def test_500_records_per_request(self) -> None:
        """1201 small records make requests of 500, 500 and 201, in order."""
        records = [sized(10) for _ in range(1201)]
        found = list(split_requests(records))
        assert [500, 500, 201] == [len(c) for c in found]
        assert list(range(1201)) == [p for c in found for p in c]

    def test_positions_select_records(self) -> None:
        """Only the given positions are split, in the given order."""
        records = [sized(10) for _ in range(10)]
        assert [[1, 3, 5]] == list(split_requests(records, [1, 3, 5]))

    def test_bytes_per_request_count_the_partition_key(self) -> None:
        """Data plus partition key (UTF-8) fill a request up to exactly 10 MiB."""
        half = MAX_REQUEST_BYTES // 2
        records = [sized(half, "ключ"), sized(half, "ключ"), sized(1)]
        assert [[0, 1], [2]] == list(split_requests(records))

    def test_exactly_full_with_long_keys_is_one_request(self) -> None:
        """Exactly 10 MiB with 256-character keys is one request (the 4-byte bound is not)."""
        key = "k" * 256
        records = [sized(MAX_REQUEST_BYTES // 4, key) for _ in range(4)]
        assert [[0, 1, 2, 3]] == list(split_requests(records))

    def test_no_records_no_requests(self) -> None:
        """An empty batch makes no request."""
        assert [] == list(split_requests([]))

    def test_one_byte_over_starts_a_new_request(self) -> None:
        """A record that would pass 10 MiB goes to the next request."""
        half = MAX_REQUEST_BYTES // 2
        records = [sized(half), sized(half + 1)]
        assert [[0], [1]] == list(split_requests(records))

    def test_a_record_above_a_smaller_budget_travels_alone(self) -> None:
        """A record heavier than max_bytes gets a request of its own instead of never going."""
        records = [sized(10), sized(6 * 1024 * 1024), sized(10)]
        assert [[0], [1], [2]] == list(split_requests(records, max_bytes=5 * 1024 * 1024))


class TestLocalProblem:
    """Records no stream could accept are caught before sending."""

    @pytest.mark.parametrize(
        "record",
        [
            Record(b"x", ""),
            Record(b"x", "k" * 257),
            Record(b"x", "k\ud800"),
            Record(b"x", "k", explicit_hash_key=str(2**128)),
            Record(b"x", "k", explicit_hash_key="-1"),
            Record(b"x", "k", explicit_hash_key="9" * 5000),
            Record(b"x" * MAX_REQUEST_BYTES, "k"),
        ],
    )
    def test_problems(self, record: Record) -> None:
        """Bad keys and records above 10 MiB are named, briefly."""
        problem = local_problem(record)
        assert problem is not None
        assert len(problem) < 200

    def test_fine(self) -> None:
        """A 256-character key, a non-ASCII key and the largest hash key are fine."""
        assert local_problem(Record(b"x", "k" * 256, explicit_hash_key=str(2**128 - 1))) is None
        assert local_problem(Record(b"x", "ключ")) is None
