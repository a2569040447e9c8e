"""The Kinesis Data Streams limits, and splitting records into requests that respect them.

This is the one home of these facts: the Publisher, the backends and the
producer all import them from here. Figures are from the Kinesis API reference
(PutRecord, PutRecords, UpdateMaxRecordSize) and the botocore service model
``kinesis/2013-12-02``: "Each PutRecords request can support up to 500
records. Each record in the request can be as large as 10 MiB, up to a limit
of 10 MiB for the entire request, including partition keys. Each shard can
support writes up to 1,000 records per second, up to a maximum data write
total of 1 MB per second." A stream's own maximum record size is 1 MiB until
``UpdateMaxRecordSize`` raises it (to at most 10 MiB).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from eventwire.errors import preview

if TYPE_CHECKING:
    from eventwire.records import Record

_data = operator.attrgetter("data")
_key = operator.attrgetter("partition_key")

MAX_RECORDS_PER_REQUEST = 500
"""The most entries one PutRecords request may hold."""

MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""The most bytes (data plus partition keys) one PutRecords request may carry."""

DEFAULT_MAX_RECORD_SIZE = 1024 * 1024
"""A stream's maximum record size (data plus partition key) until it is raised: 1 MiB."""

MAX_RECORD_SIZE_LIMIT = 10 * 1024 * 1024
"""The largest maximum record size a stream can be updated to: 10 MiB."""

MAX_PARTITION_KEY_LENGTH = 256
"""Partition keys are 1 to 256 Unicode characters."""

MAX_HASH_KEY = 2**128 - 1
"""Hash keys (MD5 of the partition key, or an explicit one) are unsigned 128-bit integers."""

SHARD_WRITE_RECORDS_PER_SECOND = 1000
"""A shard's write quota in records per second."""

SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024
"""A shard's write quota in bytes (data plus partition key) per second, on average."""


def record_weight(record: Record) -> int:
    """Bytes ``record`` counts against the request and record size limits."""
    key = record.partition_key
    # Partition keys are mostly ASCII (isascii is O(1)): encode only when it matters.
    return len(record.data) + (len(key) if key.isascii() else len(key.encode()))


def local_problem(record: Record) -> str | None:
    """Why no Kinesis stream can accept ``record``, or None if only the service can tell.

    Checks the hard API limits (key lengths and encoding, hash key range,
    10 MiB); a stream's own maximum record size is left to the service, or to
    the caller's ``max_record_size``.
    """
    data = record.data
    key = record.partition_key
    # The usual record (bytes, a short ASCII key, no explicit hash key) in one test.
    if (
        type(data) is bytes
        and type(key) is str
        and 0 < len(key) <= MAX_PARTITION_KEY_LENGTH
        and key.isascii()
        and record.explicit_hash_key is None
        and len(data) + len(key) <= MAX_RECORD_SIZE_LIMIT
    ):
        return None
    if not isinstance(data, bytes):
        return f"data must be bytes, not {type(data).__name__}"
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_PARTITION_KEY_LENGTH:
        return f"partition key {preview(key)} must be 1 to {MAX_PARTITION_KEY_LENGTH} characters"
    if not key.isascii() and not is_encodable(key):
        return f"partition key {preview(key)} is not valid Unicode (a lone surrogate?)"
    explicit = record.explicit_hash_key
    if explicit is not None and not (
        isinstance(explicit, str)
        and explicit.isascii()
        and explicit.isdigit()
        and len(explicit) <= 39
        and int(explicit) <= MAX_HASH_KEY
    ):
        return f"explicit hash key {preview(explicit)} must be a decimal integer in [0, 2**128 - 1]"
    size = record_weight(record)
    if size > MAX_RECORD_SIZE_LIMIT:
        return (
            f"record is {size} bytes (data + partition key), above the Kinesis "
            f"maximum of {MAX_RECORD_SIZE_LIMIT} bytes (10 MiB)"
        )
    return None


def split_requests(
    records: Sequence[Record],
    positions: Sequence[int] | None = None,
    *,
    max_records: int = MAX_RECORDS_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> Iterator[list[int]]:
    """Split records (all, or those at ``positions``) into request-sized runs of indexes, in order.

    A run holds at most ``max_records`` records and ``max_bytes`` bytes, except
    that a record heavier than ``max_bytes`` travels alone rather than never.
    """
    if positions is None and 0 < len(records) <= max_records:
        # A bound that needs no per-record Python: a character is at most 4 UTF-8 bytes.
        bound = sum(map(len, map(_data, records))) + 4 * sum(map(len, map(_key, records)))
        if bound <= max_bytes:
            yield list(range(len(records)))
            return
    chunk: list[int] = []
    size = 0
    for position in range(len(records)) if positions is None else positions:
        record = records[position]
        key = record.partition_key
        # record_weight, inlined: this loop runs once per record of every batch.
        weight = len(record.data) + (len(key) if key.isascii() else len(key.encode()))
        if chunk and (len(chunk) >= max_records or size + weight > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(position)
        size += weight
    if chunk:
        yield chunk


def is_encodable(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
