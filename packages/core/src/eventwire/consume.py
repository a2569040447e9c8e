"""Typed events for consumers: Lambda Kinesis events, GetRecords and SubscribeToShard output.

The Lambda event shape is the one in the AWS Lambda developer guide, "Using
Lambda with Kinesis Data Streams" (docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html)::

    {"Records": [{"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "1",
                              "sequenceNumber": "4959...", "data": "<base64>",
                              "approximateArrivalTimestamp": 1545084650.987},
                  "eventSource": "aws:kinesis", "eventID": "shardId-000000000006:4959...",
                  "eventSourceARN": "arn:aws:kinesis:...:stream/name", ...}]}

The partial-batch response is the one in the same guide's "Configuring
partial batch response with Kinesis Data Streams and Lambda"
(docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html):
``{"batchItemFailures": [{"itemIdentifier": "<sequence number>"}]}``.
GetRecords and SubscribeToShard records follow the Kinesis API reference's
``Record`` shape (``SequenceNumber``, ``ApproximateArrivalTimestamp``,
``Data``, ``PartitionKey``), as boto3 returns them (bytes and datetimes) or
as the JSON wire carries them (base64 text and epoch seconds).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventwire.aggregation import deaggregate
from eventwire.errors import DecodeError, MalformedRecordError
from eventwire.registry import default_registry

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from eventwire.events import Event
    from eventwire.registry import EventRegistry

__all__ = [
    "MAX_GET_RECORDS",
    "MAX_LAMBDA_RECORDS",
    "ConsumeFailure",
    "ConsumedBatch",
    "ConsumedEvent",
    "KinesisMetadata",
    "batch_item_failures",
    "from_get_records",
    "from_lambda_event",
    "from_subscribe_to_shard",
]

MAX_LAMBDA_RECORDS = 10_000
"""Lambda's largest Kinesis batch size; a document with more records is refused."""

MAX_GET_RECORDS = 10_000
"""GetRecords returns at most 10,000 records (Kinesis API reference, GetRecords ``Limit``)."""


@dataclass(frozen=True, slots=True)
class KinesisMetadata:
    """Where a user record sat in its stream.

    Attributes:
        shard_id: the shard that held it.
        sequence_number: the Kinesis record's sequence number (shared by an aggregate's records).
        sub_sequence_number: the user record's position in its aggregate (0 when not aggregated).
        partition_key: the user record's partition key.
        approximate_arrival_timestamp: when Kinesis accepted the record (UTC).
        aggregated: whether the user record came out of a KPL aggregate.
        explicit_hash_key: its explicit hash key, when an aggregate carried one.
        event_source_arn: the stream's ARN, when the input named it (Lambda does).
    """

    shard_id: str
    sequence_number: str
    sub_sequence_number: int
    partition_key: str
    approximate_arrival_timestamp: datetime
    aggregated: bool = False
    explicit_hash_key: str | None = None
    event_source_arn: str | None = None


@dataclass(frozen=True, slots=True)
class ConsumedEvent:
    """A typed event read from a stream, with its Kinesis metadata."""

    event: Event
    metadata: KinesisMetadata


@dataclass(frozen=True, slots=True)
class ConsumeFailure:
    """A user record that did not decode into an event, and why.

    Attributes:
        metadata: where the record sat.
        data: its bytes (empty when even the base64 text did not decode).
        error: the decode error.
    """

    metadata: KinesisMetadata
    data: bytes
    error: DecodeError


@dataclass(frozen=True, slots=True)
class ConsumedBatch:
    """Everything one batch held: the decoded events and the records that failed, in order."""

    events: list[ConsumedEvent] = field(default_factory=list)
    failures: list[ConsumeFailure] = field(default_factory=list)

    def batch_item_failures(self) -> dict[str, list[dict[str, str]]]:
        """Lambda's partial-batch response for the failures (see ``batch_item_failures``)."""
        return batch_item_failures(self.failures)


def batch_item_failures(
    failures: Iterable[ConsumeFailure | KinesisMetadata],
) -> dict[str, list[dict[str, str]]]:
    """Build Lambda's ``{"batchItemFailures": [{"itemIdentifier": seq}, ...]}`` response.

    Lambda checkpoints Kinesis records, not user records, so a failed user
    record of an aggregate names its aggregate's sequence number; each
    sequence number appears once, in the order first seen. Return it from
    the handler with ``ReportBatchItemFailures`` enabled on the event source
    mapping.
    """
    seen: dict[str, None] = {}
    for failure in failures:
        metadata = failure.metadata if isinstance(failure, ConsumeFailure) else failure
        seen.setdefault(metadata.sequence_number, None)
    return {"batchItemFailures": [{"itemIdentifier": number} for number in seen]}


def from_lambda_event(
    document: Mapping[str, Any], registry: EventRegistry = default_registry
) -> ConsumedBatch:
    """Decode the Kinesis event Lambda hands a function into typed events.

    Raises:
        DecodeError: the document is not a Lambda Kinesis event (no ``Records`` list,
            a record without ``kinesis``, ``sequenceNumber`` or ``eventID``).
    """
    records = _records_of(document, "Records", "a Lambda Kinesis event", MAX_LAMBDA_RECORDS)
    batch = ConsumedBatch()
    for index, entry in enumerate(records):
        where = f"Records[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("kinesis"), dict):
            raise DecodeError(
                f"{where} of the Lambda event has no 'kinesis' object: {entry!r:.200}"
            )
        kinesis = entry["kinesis"]
        event_id = _text(entry, "eventID", where)
        shard_id, _, _ = event_id.partition(":")
        arn = entry.get("eventSourceARN")
        _decode_record(
            batch,
            registry,
            shard_id=shard_id,
            sequence_number=_text(kinesis, "sequenceNumber", f"{where}.kinesis"),
            partition_key=_text(kinesis, "partitionKey", f"{where}.kinesis"),
            data=kinesis.get("data"),
            arrival=kinesis.get("approximateArrivalTimestamp"),
            where=f"{where}.kinesis",
            arn=arn if isinstance(arn, str) else None,
        )
    return batch


def from_get_records(
    response: Mapping[str, Any], shard_id: str, registry: EventRegistry = default_registry
) -> ConsumedBatch:
    """Decode a GetRecords response (boto3's or the JSON wire's) read from ``shard_id``.

    Raises:
        DecodeError: the response has no ``Records`` list or a record lacks its fields.
    """
    records = _records_of(response, "Records", "a GetRecords response", MAX_GET_RECORDS)
    return _decode_api_records(records, shard_id, registry, "GetRecords")


def from_subscribe_to_shard(
    event: Mapping[str, Any], shard_id: str, registry: EventRegistry = default_registry
) -> ConsumedBatch:
    """Decode one SubscribeToShard event (``{"SubscribeToShardEvent": {...}}`` or its inside).

    Raises:
        DecodeError: the event has no ``Records`` list or a record lacks its fields.
    """
    inner = event.get("SubscribeToShardEvent", event) if isinstance(event, dict) else event
    records = _records_of(inner, "Records", "a SubscribeToShard event", MAX_GET_RECORDS)
    return _decode_api_records(records, shard_id, registry, "SubscribeToShardEvent")


def _decode_api_records(
    records: list[Any], shard_id: str, registry: EventRegistry, what: str
) -> ConsumedBatch:
    batch = ConsumedBatch()
    for index, entry in enumerate(records):
        where = f"{what}.Records[{index}]"
        if not isinstance(entry, dict):
            raise DecodeError(f"{where} is not an object: {entry!r:.200}")
        _decode_record(
            batch,
            registry,
            shard_id=shard_id,
            sequence_number=_text(entry, "SequenceNumber", where),
            partition_key=_text(entry, "PartitionKey", where),
            data=entry.get("Data"),
            arrival=entry.get("ApproximateArrivalTimestamp"),
            where=where,
            arn=None,
        )
    return batch


def _records_of(document: object, key: str, what: str, limit: int) -> list[Any]:
    if not isinstance(document, dict):
        raise DecodeError(f"expected {what} (a JSON object), got {type(document).__name__}")
    records = document.get(key)
    if not isinstance(records, list):
        raise DecodeError(f"{what} needs a {key!r} list; keys present: {sorted(document)[:10]}")
    if len(records) > limit:
        raise DecodeError(f"{what} holds {len(records)} records; at most {limit} are accepted")
    return records


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise DecodeError(f"{where} needs a non-empty string {key!r}, got {value!r:.100}")
    return value


def _arrival(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    raise DecodeError(
        f"{where} needs an approximate arrival timestamp (epoch seconds or a datetime), "
        f"got {value!r:.100}"
    )


def _decode_record(
    batch: ConsumedBatch,
    registry: EventRegistry,
    *,
    shard_id: str,
    sequence_number: str,
    partition_key: str,
    data: object,
    arrival: object,
    where: str,
    arn: str | None,
) -> None:
    arrived = _arrival(arrival, where)
    plain = KinesisMetadata(
        shard_id, sequence_number, 0, partition_key, arrived, event_source_arn=arn
    )
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    elif isinstance(data, str):
        try:
            raw = base64.b64decode(data, validate=True)
        except binascii.Error as exc:
            error = MalformedRecordError(f"{where}: data is not valid base64 ({exc})")
            batch.failures.append(ConsumeFailure(plain, b"", error))
            return
    else:
        error = MalformedRecordError(
            f"{where}: data must be bytes or base64 text, got {data!r:.60}"
        )
        batch.failures.append(ConsumeFailure(plain, b"", error))
        return
    for user in deaggregate(raw, partition_key):
        metadata = KinesisMetadata(
            shard_id,
            sequence_number,
            user.sub_sequence_number,
            user.partition_key,
            arrived,
            aggregated=user.aggregated,
            explicit_hash_key=user.explicit_hash_key,
            event_source_arn=arn,
        )
        try:
            event = registry.decode(user.data)
        except DecodeError as exc:
            batch.failures.append(ConsumeFailure(metadata, user.data, exc))
        else:
            batch.events.append(ConsumedEvent(event, metadata))
