"""The Kinesis limits the model enforces (the model is stdlib-only, so it keeps its own copy).

A test pins every figure here equal to ``eventwire.limits``, the SDK's one
home of these facts; the figures come from the Kinesis API reference.
"""

from __future__ import annotations

from eventwire_emulator.model.hashing import MAX_HASH_KEY

MAX_PUT_RECORDS = 500
"""Entries one PutRecords request may hold."""

MAX_PUT_RECORDS_BYTES = 10 * 1024 * 1024
"""Bytes (data plus partition keys) one PutRecords request may carry."""

MAX_PARTITION_KEY_LENGTH = 256
"""Partition keys are 1 to 256 Unicode characters."""

DEFAULT_MAX_RECORD_KIB = 1024
"""A new stream's maximum record size (data plus partition key), in KiB."""

MAX_RECORD_KIB = 10240
"""The largest maximum record size UpdateMaxRecordSize accepts, in KiB."""

WRITE_RECORDS_PER_SECOND = 1000
"""A shard's write quota: records per second."""

WRITE_BYTES_PER_SECOND = 1024 * 1024
"""A shard's write quota: bytes (data plus partition key) per second."""

__all__ = [
    "DEFAULT_MAX_RECORD_KIB",
    "MAX_HASH_KEY",
    "MAX_PARTITION_KEY_LENGTH",
    "MAX_PUT_RECORDS",
    "MAX_PUT_RECORDS_BYTES",
    "MAX_RECORD_KIB",
    "WRITE_BYTES_PER_SECOND",
    "WRITE_RECORDS_PER_SECOND",
]
