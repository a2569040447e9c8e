"""PutRecords request limits: split records into requests and catch records no request can carry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from eventwire import Record

MAX_BATCH_RECORDS = 500
"""The most entries one PutRecords request may hold."""

MAX_BATCH_BYTES = 10 * 1024 * 1024
"""The most bytes one PutRecords request may carry, counting data plus partition keys."""

MAX_PARTITION_KEY_LENGTH = 256
MAX_HASH_KEY = 2**128 - 1


def local_problem(record: Record) -> str | None:
    """Why no Kinesis stream can accept ``record``, or None if only the service can tell.

    Checks the hard API limits (key lengths, hash key range, 10 MiB); a stream's
    own maximum record size (1 MiB unless raised) is left to the service.
    """
    if not isinstance(record.data, bytes):
        return f"data must be bytes, not {type(record.data).__name__}"
    key = record.partition_key
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_PARTITION_KEY_LENGTH:
        return f"partition key {key!r} must be 1 to {MAX_PARTITION_KEY_LENGTH} characters"
    explicit = record.explicit_hash_key
    if explicit is not None and not (
        isinstance(explicit, str)
        and explicit.isascii()
        and explicit.isdigit()
        and int(explicit) <= MAX_HASH_KEY
    ):
        return f"explicit hash key {explicit!r} must be a decimal integer in [0, 2**128 - 1]"
    if record.size > MAX_BATCH_BYTES:
        return (
            f"record is {record.size} bytes (data + partition key), above the Kinesis "
            f"maximum of {MAX_BATCH_BYTES} bytes (10 MiB)"
        )
    return None


def chunks(
    positions: Sequence[int],
    records: Sequence[Record],
    *,
    max_records: int = MAX_BATCH_RECORDS,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Iterator[list[int]]:
    """Split ``positions`` (indexes into ``records``) into PutRecords-sized runs, in order.

    Every record must pass ``local_problem``, so each fits in a request alone.
    """
    chunk: list[int] = []
    size = 0
    for position in positions:
        record = records[position]
        # Partition keys are mostly ASCII: count characters, encode only when it matters.
        key = record.partition_key
        weight = len(record.data) + (len(key) if key.isascii() else len(key.encode()))
        if chunk and (len(chunk) >= max_records or size + weight > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(position)
        size += weight
    if chunk:
        yield chunk
