"""KPL-compatible record aggregation: many user records in one Kinesis record, and back.

The format is the Kinesis Producer Library's: the magic bytes ``F3 89 9A C2``,
then a protocol-buffers ``AggregatedRecord``, then the MD5 digest of those
protobuf bytes::

    message AggregatedRecord {
      repeated string partition_key_table = 1;
      repeated string explicit_hash_key_table = 2;
      repeated Record records = 3;
    }
    message Record {
      required uint64 partition_key_index = 1;
      optional uint64 explicit_hash_key_index = 2;
      required bytes data = 3;
      repeated Tag tags = 4;
    }

Consumers built on the KCL (or any KPL deaggregator) read these records back
as the original user records.
"""

from __future__ import annotations

from hashlib import md5
from typing import TYPE_CHECKING, NamedTuple

from eventwire import protowire
from eventwire.records import Record

if TYPE_CHECKING:
    from collections.abc import Iterable

MAGIC = b"\xf3\x89\x9a\xc2"
"""The four bytes that open every KPL aggregated record."""

DIGEST_SIZE = 16
OVERHEAD = len(MAGIC) + DIGEST_SIZE
"""Bytes an aggregated record adds around its protobuf message."""

_PARTITION_KEY_TABLE = 1
_EXPLICIT_HASH_KEY_TABLE = 2
_RECORDS = 3
_RECORD_PARTITION_KEY_INDEX = 1
_RECORD_EXPLICIT_HASH_KEY_INDEX = 2
_RECORD_DATA = 3


class UserRecord(NamedTuple):
    """One user record recovered from a (possibly aggregated) Kinesis record.

    Attributes:
        data: the user record's bytes.
        partition_key: its partition key (the Kinesis record's own when it was not aggregated).
        explicit_hash_key: its explicit hash key, if it had one.
        sub_sequence_number: its position in the aggregated record (0 when not aggregated).
        aggregated: whether it came out of an aggregated record.
    """

    data: bytes
    partition_key: str
    explicit_hash_key: str | None = None
    sub_sequence_number: int = 0
    aggregated: bool = False


def _varint_size(value: int) -> int:
    # Indexes and lengths are nearly always below 16 KiB: skip the general formula.
    if value < 0x80:
        return 1
    if value < 0x4000:
        return 2
    return protowire.varint_size(value)


def _text_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


# One-byte field keys of the schema (field number << 3 | wire type).
_KEY_TABLE_TAG = bytes((_PARTITION_KEY_TABLE << 3 | protowire.LENGTH_DELIMITED,))
_EHK_TABLE_TAG = bytes((_EXPLICIT_HASH_KEY_TABLE << 3 | protowire.LENGTH_DELIMITED,))
_RECORD_TAG = bytes((_RECORDS << 3 | protowire.LENGTH_DELIMITED,))
_KEY_INDEX_TAG = bytes((_RECORD_PARTITION_KEY_INDEX << 3 | protowire.VARINT,))
_EHK_INDEX_TAG = bytes((_RECORD_EXPLICIT_HASH_KEY_INDEX << 3 | protowire.VARINT,))
_DATA_TAG = bytes((_RECORD_DATA << 3 | protowire.LENGTH_DELIMITED,))


class Aggregator:
    """Builds one aggregated record from user records, tracking its exact size; not thread-safe.

    The aggregated record takes the partition key (and explicit hash key) of
    its first user record, so it lands on the same shard as that record; the
    caller only combines records bound for one shard. The producer adds
    hundreds of thousands of records a second here, so sizes are computed once
    per record, with the schema's one-byte field keys written out.
    """

    __slots__ = ("_ehk_index", "_entries", "_key_bytes", "_key_index", "_message_size", "_records")

    def __init__(self) -> None:
        self._records: list[Record] = []
        self._entries: list[tuple[int, int | None, int]] = []
        self._key_index: dict[str, int] = {}
        self._ehk_index: dict[str, int] = {}
        self._message_size = 0
        self._key_bytes = 0

    def __len__(self) -> int:
        return len(self._records)

    @property
    def records(self) -> list[Record]:
        """The user records added so far, in order."""
        return self._records

    @property
    def partition_key(self) -> str:
        """The aggregated record's partition key: its first user record's."""
        return self._records[0].partition_key

    @property
    def size(self) -> int:
        """Bytes counted against the record size limit: data plus partition key."""
        if not self._records:
            return 0
        return OVERHEAD + self._message_size + self._key_bytes

    def size_with(self, record: Record) -> int:
        """What ``size`` would be after adding ``record``."""
        key_bytes = self._key_bytes if self._records else _text_size(record.partition_key)
        return OVERHEAD + self._message_size + self._growth(record)[0] + key_bytes

    def _growth(self, record: Record) -> tuple[int, int, int | None, int]:
        """Bytes ``record`` adds, its key index, explicit hash key index and entry size."""
        grow = 0
        key = record.partition_key
        key_index = self._key_index.get(key)
        if key_index is None:
            key_index = len(self._key_index)
            length = _text_size(key)
            grow += 1 + _varint_size(length) + length
        ehk = record.explicit_hash_key
        ehk_index: int | None = None
        inner = 1 + _varint_size(key_index)
        if ehk is not None:
            ehk_index = self._ehk_index.get(ehk)
            if ehk_index is None:
                ehk_index = len(self._ehk_index)
                grow += 1 + _varint_size(len(ehk)) + len(ehk)
            inner += 1 + _varint_size(ehk_index)
        length = len(record.data)
        inner += 1 + _varint_size(length) + length
        return grow + 1 + _varint_size(inner) + inner, key_index, ehk_index, inner

    def add(self, record: Record) -> None:
        """Append ``record`` (check ``size_with`` first to respect a size limit)."""
        self._append(record, self._growth(record))

    def try_add(self, record: Record, limit: int) -> bool:
        """Append ``record`` if the aggregated record then stays within ``limit`` bytes."""
        growth = self._growth(record)
        key_bytes = self._key_bytes if self._records else _text_size(record.partition_key)
        if OVERHEAD + self._message_size + growth[0] + key_bytes > limit:
            return False
        self._append(record, growth)
        return True

    def _append(self, record: Record, growth: tuple[int, int, int | None, int]) -> None:
        grow, key_index, ehk_index, inner = growth
        if not self._records:
            self._key_bytes = _text_size(record.partition_key)
        self._message_size += grow
        if key_index == len(self._key_index):
            self._key_index[record.partition_key] = key_index
        if ehk_index is not None and ehk_index == len(self._ehk_index):
            self._ehk_index[record.explicit_hash_key or ""] = ehk_index
        self._records.append(record)
        self._entries.append((key_index, ehk_index, inner))

    def encode(self) -> bytes:
        """The aggregated record's data: magic, protobuf message, MD5 of the message."""
        varint = protowire.varint
        out = bytearray()
        for table, tag in ((self._key_index, _KEY_TABLE_TAG), (self._ehk_index, _EHK_TABLE_TAG)):
            for text in table:
                encoded = text.encode()
                out += tag
                out += varint(len(encoded))
                out += encoded
        for record, (key_index, ehk_index, inner) in zip(self._records, self._entries, strict=True):
            data = record.data
            out += _RECORD_TAG
            out += varint(inner)
            out += _KEY_INDEX_TAG
            out += varint(key_index)
            if ehk_index is not None:
                out += _EHK_INDEX_TAG
                out += varint(ehk_index)
            out += _DATA_TAG
            out += varint(len(data))
            out += data
        message = bytes(out)
        return MAGIC + message + md5(message, usedforsecurity=False).digest()

    def to_record(self) -> Record:
        """The Kinesis record to send: aggregated data, routed like the first user record."""
        first = self._records[0]
        return Record(
            data=self.encode(),
            partition_key=first.partition_key,
            explicit_hash_key=first.explicit_hash_key,
            event_id=first.event_id,
            event_type=first.event_type,
        )


def aggregate(records: Iterable[Record]) -> Record:
    """Combine ``records`` (bound for one shard) into one KPL aggregated record.

    Raises:
        ValueError: ``records`` is empty.
    """
    aggregator = Aggregator()
    for record in records:
        aggregator.add(record)
    if not aggregator.records:
        raise ValueError("cannot aggregate zero records")
    return aggregator.to_record()


def is_aggregated(data: bytes) -> bool:
    """Whether ``data`` opens with the KPL magic bytes and is long enough to be aggregated."""
    return len(data) >= OVERHEAD and data[:4] == MAGIC


def deaggregate(
    data: bytes, partition_key: str = "", explicit_hash_key: str | None = None
) -> list[UserRecord]:
    """Recover the user records of a Kinesis record, aggregated or not.

    A record that is not aggregated -- no magic bytes, a checksum that does not
    match, or a message that does not parse -- comes back as its single self
    with the given keys, as the KPL's own deaggregators do.

    Args:
        data: the Kinesis record's data.
        partition_key: the Kinesis record's partition key, for a record that is not aggregated.
        explicit_hash_key: its explicit hash key, likewise.
    """
    plain = [UserRecord(data, partition_key, explicit_hash_key)]
    if not is_aggregated(data):
        return plain
    message = data[len(MAGIC) : -DIGEST_SIZE]
    if md5(message, usedforsecurity=False).digest() != data[-DIGEST_SIZE:]:
        return plain
    try:
        return _parse(message)
    except (protowire.WireFormatError, IndexError, UnicodeDecodeError):
        return plain


def _parse(message: bytes) -> list[UserRecord]:
    keys: list[str] = []
    hash_keys: list[str] = []
    bodies: list[memoryview] = []
    for number, wire_type, value in protowire.fields(message):
        if wire_type != protowire.LENGTH_DELIMITED or not isinstance(value, memoryview):
            continue
        if number == _PARTITION_KEY_TABLE:
            keys.append(bytes(value).decode())
        elif number == _EXPLICIT_HASH_KEY_TABLE:
            hash_keys.append(bytes(value).decode())
        elif number == _RECORDS:
            bodies.append(value)
    out: list[UserRecord] = []
    for index, body in enumerate(bodies):
        key_index: int | None = None
        ehk_index: int | None = None
        payload: bytes | None = None
        for number, _, value in protowire.fields(body):
            if number == _RECORD_PARTITION_KEY_INDEX and isinstance(value, int):
                key_index = value
            elif number == _RECORD_EXPLICIT_HASH_KEY_INDEX and isinstance(value, int):
                ehk_index = value
            elif number == _RECORD_DATA and isinstance(value, memoryview):
                payload = bytes(value)
        if key_index is None or payload is None:
            raise protowire.WireFormatError("a record lacks its partition key index or data")
        ehk = hash_keys[ehk_index] if ehk_index is not None else None
        out.append(UserRecord(payload, keys[key_index], ehk, index, aggregated=True))
    return out
